"""Importers: ACLED and UCDP CSV files into events, actors, places, sources and citations."""

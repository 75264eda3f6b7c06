"""The ACLED-compatible read API: ACLED's URLs, query conventions and answers over Chronicle's data."""

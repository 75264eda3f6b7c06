"""Operations tooling: backups and restores (ops/backup.py), the load test (ops/loadtest.py)."""

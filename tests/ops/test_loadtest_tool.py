"""ops/loadtest.py names the commit it served: the one a revision named when the run started."""

import subprocess

from ops.loadtest import commit, resolved


def _git(root, *args) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout.strip()


def test_the_report_names_the_commit_served_even_if_head_moves_during_the_run(tmp_path):
    _git(tmp_path, "init", "-q")
    for name in ("served", "later"):
        (tmp_path / "file").write_text(name)
        _git(tmp_path, "add", "file")
        _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", name)
        if name == "served":
            revision = resolved("HEAD", root=tmp_path)  # as main() does before sampling
    served = _git(tmp_path, "rev-parse", "--short", "HEAD~1")
    assert commit(revision, root=tmp_path).startswith(f"{served} ")
    # A report that looks HEAD up only at the end names the later commit instead.
    assert not commit("HEAD", root=tmp_path).startswith(f"{served} ")

"""One throwaway PostgreSQL cluster for the whole template run: every generated suite it runs
uses it through TEST_POSTGRES_URL (their tests each make a database of their own in it), instead
of starting a cluster per suite."""

import glob
import os
import pwd
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .helpers import run

# initdb refuses root; the folder must be one that user can reach (not a private TMPDIR).
CLUSTER_USER = "nobody"


@dataclass
class Cluster:
    url: str
    folder: Path
    pg_ctl: list[str]
    as_owner: dict[str, Any] = field(default_factory=dict)  # subprocess.run's user, group

    def stop(self) -> None:
        run([*self.pg_ctl, "-m", "immediate", "-w", "stop"], self.folder, **self.as_owner)
        shutil.rmtree(self.folder, ignore_errors=True)


def start_cluster(port: int) -> Cluster | None:
    """A cluster on 127.0.0.1:`port`, or None without Debian's PostgreSQL programs."""
    installed = [Path(folder) for folder in glob.glob("/usr/lib/postgresql/*/bin")]
    if not installed:
        return None
    binaries = max(installed, key=lambda folder: int(folder.parent.name))  # the newest major
    as_root = os.geteuid() == 0
    parent = "/tmp" if as_root else None
    folder = Path(tempfile.mkdtemp(prefix="template-postgres-", dir=parent))
    sudo: dict[str, Any] = {}
    if as_root:
        account = pwd.getpwnam(CLUSTER_USER)
        os.chown(folder, account.pw_uid, account.pw_gid)
        sudo = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
    data = folder / "data"
    options = (
        f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={folder} "
        "-c max_connections=500 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    )
    pg_ctl = [str(binaries / "pg_ctl"), "-D", str(data)]
    initdb = [str(binaries / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust"]
    start = [*pg_ctl, "-w", "-l", str(folder / "log"), "-o", options, "start"]
    for command in ([*initdb, "--no-sync"], start):
        started = run(command, folder, timeout=60, **sudo)
        if started.returncode != 0:
            shutil.rmtree(folder, ignore_errors=True)
            raise RuntimeError(f"{command[0]} failed: {started.stderr.strip()}")
    return Cluster(f"postgresql://postgres@127.0.0.1:{port}/postgres", folder, pg_ctl, sudo)

#!/usr/bin/env python3
"""Stash an unfinished run's resume checkpoint for git: runs/<name>/checkpoint.pt → checkpoint.pt.xz (lzma; a
ResNet-20 run with its momentum is ~2 MB). Commit the .xz; in a fresh checkout `train.py --resume` (or the
Makefile's --auto-resume) unpacks it and continues exactly where the run was.

  /usr/bin/python3 models/train/stash_run.py resnet20-float-e160 [--runs-dir models/runs]

--small (for runs whose exact stash is over git's 2 MiB file limit, e.g. ResNet-56 at 6.3 MB): weights in fp16
and no momentum buffers (~1.6 MB for ResNet-56); the resumed run continues from there, close to but not exactly
like a run that never stopped, and says so in its log.

--commit commits the stash and the run's log.txt (only those two paths; nothing else staged is touched).
--every MIN stays running beside the training run: a stash (and with --commit, a commit) every MIN minutes
whenever the checkpoint changed, until the run has written checkpoint-final.pt. A working period that ends
without warning then loses at most MIN minutes of a run that takes several:

  /usr/bin/python3 models/train/stash_run.py resnet56-float --small --commit --every 30 &
"""
import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import checkpoint  # noqa: E402
import train  # noqa: E402
from errors import TrainError  # noqa: E402

GIT_FILE_LIMIT = 2 * 1024 * 1024  # the repository's limit on one tracked file


def stash_once(a, path):
    """One stash (and commit); returns the stash's path. Raises TrainError."""
    obj = checkpoint.read(path, "checkpoint to stash")
    out = checkpoint.stash(path, small=a.small)
    epoch, step = obj.get("epoch", 0), obj.get("step", 0)
    size = os.path.getsize(out)
    print("%s: epoch %d step %d, %d bytes (from %d)%s" % (
        out, epoch, step, size, os.path.getsize(path), "" if a.commit else ": commit it"), flush=True)
    if a.commit:
        if size > GIT_FILE_LIMIT:
            raise TrainError("%s is %d bytes, over git's %d-byte file limit: stash with --small" %
                             (out, size, GIT_FILE_LIMIT))
        commit(a.name, out, epoch, step, a.small)
    return out


def commit(name, stash_path, epoch, step, small):
    run_dir = os.path.dirname(stash_path)
    paths = [stash_path] + [p for p in [os.path.join(run_dir, "log.txt")] if os.path.isfile(p)]
    message = "%s: resume stash after epoch %d step %d%s (stash_run.py --commit)" % (
        name, epoch, step, ", small: fp16 weights, no momentum" if small else "")

    def git(*args):
        # a commit of the person working beside it may hold git's index lock for a moment: try a few times
        for attempt in range(5):
            p = subprocess.run(["git"] + list(args), cwd=run_dir, capture_output=True, text=True)
            if p.returncode == 0 or "index.lock" not in p.stderr:
                return p
            time.sleep(2 + 3 * attempt)
        return p
    p = git("add", "--", *paths)
    if p.returncode != 0:
        raise TrainError("git add failed: %s" % (p.stderr or p.stdout).strip())
    if git("diff", "--cached", "--quiet", "--", *paths).returncode == 0:
        # the same bytes as the last commit (a restarted loop stashes the checkpoint it resumed from)
        print("%s unchanged since the last commit: nothing to commit" % os.path.basename(stash_path), flush=True)
        return
    p = git("commit", "-q", "-m", message, "--", *paths)
    if p.returncode != 0:
        raise TrainError("git commit failed: %s" % (p.stderr or p.stdout).strip())
    print("committed %s" % ", ".join(os.path.relpath(q, run_dir) for q in paths), flush=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("name")
    p.add_argument("--runs-dir", default=train.RUNS)
    p.add_argument("--small", action="store_true", help="fp16 weights, no momentum (see above)")
    p.add_argument("--commit", action="store_true", help="git commit the stash and the run's log.txt")
    p.add_argument("--every", type=float, default=0.0, metavar="MIN",
                   help="repeat every MIN minutes while the run goes on (see above)")
    a = p.parse_args(argv)
    if a.every < 0:
        p.error("--every must be positive")
    path = os.path.join(a.runs_dir, a.name, "checkpoint.pt")
    final = os.path.join(a.runs_dir, a.name, "checkpoint-final.pt")
    stashed = None  # (mtime, size) of the checkpoint last stashed
    while True:
        try:
            if a.every == 0 or os.path.isfile(path):
                st = os.stat(path) if os.path.isfile(path) else None
                if st is None or (st.st_mtime, st.st_size) != stashed:
                    stash_once(a, path)
                    stashed = (st.st_mtime, st.st_size) if st else None
        except TrainError as e:
            print("stash_run.py: error: %s" % e, file=sys.stderr, flush=True)
            return 2
        if a.every == 0:
            return 0
        if os.path.isfile(final):
            print("%s is there: the run is done, nothing more to stash" % final, flush=True)
            return 0
        time.sleep(a.every * 60)


if __name__ == "__main__":
    sys.exit(main())

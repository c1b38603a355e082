#!/usr/bin/env python3
"""clang-tidy with .clang-tidy's checks (warnings are errors) on the sources a build compiles.

All of them, or with --changed BASE those changed since BASE (every one if a header changed).
A file found clean is remembered in a cache (--cache DIR, default ~/.cache/poolproof/clang-tidy)
under a key made of everything its result depends on: clang-tidy's version, .clang-tidy, the
compile command, and the path and content of every file the compiler read for it (the build's
own dependency file, *.o.d). Paths under the source and build trees enter the key relative to
them, so a clone elsewhere hits the same entries. A file with findings, or without a dependency
file, is always linted. --no-cache lints every file.

Exit status: 0 clean, 1 findings, 2 usage or set-up error.
"""

import argparse
import concurrent.futures
import hashlib
import json
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

NOISE = re.compile(
    r"^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$|^Suppressed [0-9]+ warnings|^Use -header-filter"
)
# Entries not used for this long are removed; only names this script writes are touched.
CACHE_ENTRY = re.compile(r"^[0-9a-f]{64}$")
CACHE_DAYS = 30


def fail(message):
    print(f"clang-tidy: {message}", file=sys.stderr)
    sys.exit(2)


def git_lines(root, *args):
    result = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True)
    return [line for line in result.stdout.splitlines() if line]


def candidates(root, base):
    if base and not git_lines(root, "diff", "--name-only", base, "--", "*.h"):
        return git_lines(root, "diff", "--name-only", "--diff-filter=d", base, "--", "*.cc")
    return git_lines(root, "ls-files", "*.cc")


def dependency_file(entry):
    """The *.o.d the compiler wrote beside the object, or None."""
    arguments = shlex.split(entry["command"])
    if "-o" not in arguments:
        return None
    depfile = Path(entry["directory"]) / (arguments[arguments.index("-o") + 1] + ".d")
    return depfile if depfile.is_file() else None


def dependencies(depfile, build_top):
    """The files a depfile lists (make syntax: `target: a b \\`), absolute."""
    text = depfile.read_text().replace("\\\n", " ")
    _, _, listed = text.partition(": ")
    paths = []
    for name in listed.split():
        path = Path(name)
        paths.append(path if path.is_absolute() else build_top / path)
    return paths


class Keyer:
    """Turns one compile-database entry into its cache key (None when it cannot be keyed)."""

    def __init__(self, root, build_top):
        self.root, self.build_top = str(root), str(build_top)
        version = subprocess.run(["clang-tidy", "--version"], capture_output=True, text=True).stdout
        config = (root / ".clang-tidy").read_bytes()
        self.common = hashlib.sha256(version.encode() + b"\0" + config).digest()
        self.file_digests = {}  # a header is read once per run, not once per source including it

    def file_digest(self, path):
        if path not in self.file_digests:
            self.file_digests[path] = hashlib.sha256(path.read_bytes()).digest()
        return self.file_digests[path]

    def portable(self, text):
        # The build tree first: it may lie inside the source tree.
        return text.replace(self.build_top, "<build>").replace(self.root, "<source>")

    def key(self, entry):
        depfile = dependency_file(entry)
        if depfile is None:
            return None
        digest = hashlib.sha256(self.common)
        digest.update(self.portable(entry["directory"] + "\0" + entry["command"]).encode())
        try:
            written = depfile.stat().st_mtime
            for path in dependencies(depfile, Path(self.build_top)):
                # A file changed since the compile may include one the depfile does not list yet.
                if path.stat().st_mtime > written:
                    return None
                digest.update(b"\0" + self.portable(str(path)).encode() + b"\0")
                digest.update(self.file_digest(path))
        except OSError:
            return None
        return digest.hexdigest()


def remember(cache, key):
    """Records a clean result: an empty file, created without following a planted link."""
    try:
        descriptor = os.open(cache / key, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        os.close(descriptor)
    except FileExistsError:
        pass


def prune(cache):
    cutoff = time.time() - CACHE_DAYS * 86400
    for entry in cache.iterdir():
        if CACHE_ENTRY.match(entry.name) and entry.is_file() and not entry.is_symlink():
            if entry.stat().st_mtime < cutoff:
                entry.unlink(missing_ok=True)


def lint(build, file):
    result = subprocess.run(
        ["clang-tidy", "-p", str(build), "--quiet", file], capture_output=True, text=True
    )
    output = [line for line in (result.stdout + result.stderr).splitlines() if not NOISE.match(line)]
    return result.returncode, output


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build/ci")
    parser.add_argument("--changed", metavar="BASE", default="")
    parser.add_argument("--cache", default=os.path.expanduser("~/.cache/poolproof/clang-tidy"))
    parser.add_argument("--no-cache", action="store_true")
    options = parser.parse_args()

    root = Path(__file__).resolve().parent.parent
    build = (root / options.build).resolve()
    database = build / "compile_commands.json"
    if not database.is_file():
        fail(f"no {database} (configure that build first)")
    entries = {entry["file"]: entry for entry in json.loads(database.read_text())}
    # Only files the build compiles have flags to lint with (the fuzz targets live in the fuzz build).
    files = [name for name in candidates(root, options.changed) if str(root / name) in entries]
    print(f"clang-tidy: {len(files)} files", flush=True)

    cache = None if options.no_cache else Path(options.cache)
    keys = {}
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        keyer = Keyer(root, build)
        keys = {name: keyer.key(entries[str(root / name)]) for name in files}
    remembered = [name for name in files if keys.get(name) and (cache / keys[name]).is_file()]
    for name in remembered:
        os.utime(cache / keys[name])
    to_lint = [name for name in files if name not in remembered]
    print(f"clang-tidy: {len(remembered)} clean at the same inputs before, {len(to_lint)} to lint", flush=True)

    findings = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for name, (status, output) in zip(to_lint, pool.map(lambda name: lint(build, name), to_lint)):
            if output:
                print("\n".join(output), flush=True)
            if status != 0:
                if not output:
                    print(f"clang-tidy: {name}: exit status {status}", flush=True)
                findings += 1
            elif cache is not None and keys.get(name):
                remember(cache, keys[name])
    if cache is not None:
        prune(cache)
    if findings:
        print(f"clang-tidy: findings in {findings} files, above", file=sys.stderr)
        return 1
    print("clang-tidy: clean")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""clang-tidy with .clang-tidy's checks (warnings are errors) on the sources a build compiles.

All of them, or with --changed BASE those changed since BASE (every one if a header changed).
A file found clean is remembered in a cache (--cache DIR, default ~/.cache/poolproof/clang-tidy)
under a key made of everything its result depends on:
- clang-tidy itself: its binary, the shared libraries it loads, and clang's own headers;
- every .clang-tidy from the file's folder up to the repository's root;
- the compile command;
- the path and content of every file the compiler read for it (the build's dependency file,
  *.o.d), and whether .clang-tidy's HeaderFilterRegex matches that file's absolute path.
Paths under the source and build trees enter the key relative to them, so a clone elsewhere
hits the same entries. A file with findings, without a dependency file, or with one older than
the compile database or than a file it lists, is always linted; so is a file edited while it
was linted. --no-cache lints every file.

Exit status: 0 clean, 1 findings, 2 usage or set-up error.
"""

import argparse
import concurrent.futures
import hashlib
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path

NOISE = re.compile(
    r"^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$|^Suppressed [0-9]+ warnings|^Use -header-filter"
)
# The cache directory holds this marker; pruning touches nothing in a directory without it, and
# only entries named as this script names them.
MARKER = ".poolproof-clang-tidy-cache"
CACHE_ENTRY = re.compile(r"[0-9a-f]{64}")
CACHE_DAYS = 30


class SetupError(Exception):
    """A usage or set-up problem: exit status 2."""


def git_lines(root, *args):
    result = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise SetupError(f"git {' '.join(args)}: {result.stderr.strip()}")
    return [line for line in result.stdout.splitlines() if line]


def candidates(root, base):
    if base and not git_lines(root, "diff", "--name-only", base, "--", "*.h"):
        return git_lines(root, "diff", "--name-only", "--diff-filter=d", base, "--", "*.cc")
    return git_lines(root, "ls-files", "*.cc")


def header_filter(root):
    """.clang-tidy's HeaderFilterRegex, compiled (None when it sets none)."""
    for line in (root / ".clang-tidy").read_text().splitlines():
        if line.startswith("HeaderFilterRegex:"):
            return re.compile(line.partition(":")[2].strip().strip("'\""))
    return None


def tool_digest():
    """clang-tidy's binary, the libraries it loads (path, size, time) and clang's own headers."""
    binary = shutil.which("clang-tidy")
    if binary is None:
        raise SetupError("no clang-tidy on PATH (scripts/setup.sh installs it)")
    real = Path(binary).resolve()
    digest = hashlib.sha256(real.read_bytes())
    libraries = subprocess.run(["ldd", str(real)], capture_output=True, text=True).stdout
    for library in sorted(re.findall(r"=> (/\S+)", libraries)):
        info = os.stat(library)
        digest.update(f"{library} {info.st_size} {info.st_mtime_ns}\n".encode())
    for header in sorted((real.parent.parent / "lib" / "clang").rglob("*")):
        if header.is_file():
            digest.update(str(header).encode() + b"\0" + header.read_bytes())
    return digest.digest()


class Keyer:
    """Turns one compile-database entry into its cache key (None when it cannot be keyed)."""

    def __init__(self, root, build, tool):
        self.root, self.build = root, build
        self.tool = tool
        self.filter = header_filter(root)
        self.database_time = (build / "compile_commands.json").stat().st_mtime
        self.file_digests = {}  # a header is read once per run, not once per source including it

    def file_digest(self, path):
        if path not in self.file_digests:
            self.file_digests[path] = hashlib.sha256(path.read_bytes()).digest()
        return self.file_digests[path]

    def portable(self, text):
        # The build tree first: it lies inside the source tree.
        return text.replace(str(self.build), "<build>").replace(str(self.root), "<source>")

    def configs(self, source):
        """Every .clang-tidy that applies to `source`, nearest last."""
        found = []
        folder = source.parent
        while True:
            config = folder / ".clang-tidy"
            if config.is_file():
                found.append(config)
            if folder == self.root or folder == folder.parent:
                return reversed(found)
            folder = folder.parent

    def key(self, entry):
        arguments = shlex.split(entry["command"])
        if "-o" not in arguments:
            return None
        directory = Path(entry["directory"])
        depfile = directory / (arguments[arguments.index("-o") + 1] + ".d")
        digest = hashlib.sha256(self.tool)
        digest.update(self.portable(entry["directory"] + "\0" + entry["command"]).encode())
        try:
            written = depfile.stat().st_mtime
            if written < self.database_time:  # configured again since that compile
                return None
            for config in self.configs(Path(entry["file"])):
                digest.update(self.portable(str(config)).encode() + b"\0" + self.file_digest(config))
            text = depfile.read_text().replace("\\\n", " ")
            for name in text.partition(": ")[2].split():
                path = directory / name  # relative to where the compiler ran
                # A file changed since the compile may include one the depfile does not list yet.
                if path.stat().st_mtime > written:
                    return None
                shown = self.filter is not None and self.filter.search(str(path)) is not None
                digest.update(b"\0" + self.portable(str(path)).encode() + (b"\1" if shown else b"\0"))
                digest.update(self.file_digest(path))
        except OSError:
            return None
        return digest.hexdigest()


def open_cache(path):
    """The cache directory (made, with its marker, if missing), or None if it cannot be used."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        if path.is_symlink() or not path.is_dir():
            return None
        if not (path / MARKER).exists():
            with os.fdopen(os.open(path / MARKER, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o644), "w") as marker:
                marker.write("clang-tidy results of scripts/clang_tidy.py (poolproof)\n")
        return path
    except OSError:
        return None


def remembered(cache, key):
    """Whether `key` is an entry: a plain empty file, not a link; its time is refreshed."""
    try:
        info = os.lstat(cache / key)
        if not stat.S_ISREG(info.st_mode) or info.st_size != 0:
            return False
        os.utime(cache / key, follow_symlinks=False)
        return True
    except OSError:
        return False


def remember(cache, key):
    """Records a clean result: an empty file, created without following a planted link."""
    try:
        os.close(os.open(cache / key, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644))
    except OSError:
        pass  # already there (another run), or the cache is unwritable: a later run lints again


def prune(cache):
    if not (cache / MARKER).is_file():
        return
    cutoff = time.time() - CACHE_DAYS * 86400
    try:
        for entry in cache.iterdir():
            if not CACHE_ENTRY.fullmatch(entry.name):
                continue
            info = os.lstat(entry)
            if stat.S_ISREG(info.st_mode) and info.st_size == 0 and info.st_mtime < cutoff:
                entry.unlink(missing_ok=True)
    except OSError:
        pass


def lint(build, file):
    result = subprocess.run(
        ["clang-tidy", "-p", str(build), "--quiet", file], capture_output=True, text=True
    )
    output = [line for line in (result.stdout + result.stderr).splitlines() if not NOISE.match(line)]
    return result.returncode, output


def run(options):
    root = Path(__file__).resolve().parent.parent
    build = (root / options.build).resolve()
    database = build / "compile_commands.json"
    if not database.is_file():
        raise SetupError(f"no {database} (configure that build first)")
    try:
        entries = {entry["file"]: entry for entry in json.loads(database.read_text())}
    except (ValueError, KeyError, TypeError) as error:
        raise SetupError(f"{database}: {error}") from error
    # Only files the build compiles have flags to lint with (the fuzz targets live in the fuzz build).
    files = [name for name in candidates(root, options.changed) if str(root / name) in entries]
    print(f"clang-tidy: {len(files)} files", flush=True)
    if not files and not options.changed:
        raise SetupError(f"no source of {root} is in {database}")

    cache = None if options.no_cache else open_cache(Path(options.cache))
    tool = tool_digest()

    def keys_now():
        keyer = Keyer(root, build, tool)
        return {name: keyer.key(entries[str(root / name)]) for name in files}

    keys = keys_now() if cache else {}
    hits = [name for name in files if keys.get(name) and remembered(cache, keys[name])]
    to_lint = [name for name in files if name not in hits]
    print(f"clang-tidy: {len(hits)} clean at the same inputs before, {len(to_lint)} to lint", flush=True)

    clean, findings = [], 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for name, (status, output) in zip(to_lint, pool.map(lambda name: lint(build, name), to_lint)):
            if output:
                print("\n".join(output), flush=True)
            if status == 0:
                clean.append(name)
            else:
                if not output:
                    print(f"clang-tidy: {name}: exit status {status}", flush=True)
                findings += 1
    if cache:
        # Only what was linted at the inputs it was keyed by: a file edited meanwhile is not.
        after = keys_now()
        for name in clean:
            if keys.get(name) and after.get(name) == keys[name]:
                remember(cache, keys[name])
        prune(cache)
    if findings:
        print(f"clang-tidy: findings in {findings} files, above", file=sys.stderr)
        return 1
    print("clang-tidy: clean")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", default="build/ci")
    parser.add_argument("--changed", metavar="BASE", default="")
    parser.add_argument("--cache", default=os.path.expanduser("~/.cache/poolproof/clang-tidy"))
    parser.add_argument("--no-cache", action="store_true")
    options = parser.parse_args()
    try:
        return run(options)
    except (SetupError, OSError) as error:
        print(f"clang-tidy: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env bash
# Check that the CI examples only use jcsim commands and flags that exist.
#
#   scripts/check-ci-examples.sh [FILE.yml...]   (default: examples/ci/*.yml)
#
# Parses each YAML file (PyYAML; installed into a virtualenv when missing),
# collects every shell string in it, finds each `jcsim ...` command (where
# `jcsim` is the command word: at the start of a line or after `;`, `&&`,
# `||`, `|`, `$(`, `do`, `then`...), and checks its subcommand and every flag
# against `jcsim <subcommand> --help`.
# A stale flag, an unknown subcommand, or a file with no jcsim command fails.
#
# The jcsim binary is $JCSIM, or this checkout's debug build.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ $# -eq 0 ]; then
  set -- examples/ci/*.yml
fi

python=python3
if ! python3 -c 'import yaml' 2>/dev/null; then
  venv="${TMPDIR:-/tmp}/jcsim-check-ci-venv"
  if ! "$venv/bin/python" -c 'import yaml' 2>/dev/null; then
    echo "check-ci-examples: installing PyYAML into $venv" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet pyyaml
  fi
  python="$venv/bin/python"
fi

if [ -z "${JCSIM:-}" ]; then
  cargo build --quiet --bin jcsim
  JCSIM="${CARGO_TARGET_DIR:-target}/debug/jcsim"
fi
export JCSIM

exec "$python" - "$@" <<'PY'
import os, re, shlex, subprocess, sys
import yaml

JCSIM = os.environ["JCSIM"]
_help = {}

def help_flags(sub):
    """The long and short flags `jcsim [sub] --help` lists, or None if `sub` is unknown."""
    if sub not in _help:
        args = [JCSIM] + ([sub] if sub else []) + ["--help"]
        p = subprocess.run(args, capture_output=True, text=True)
        _help[sub] = (set(re.findall(r"(?<![\w-])(--[a-z0-9][a-z0-9-]*|-[a-zA-Z])\b", p.stdout))
                      if p.returncode == 0 else None)
    return _help[sub]

def strings(node):
    """Every string value in a parsed YAML document."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for v in node.values():
            yield from strings(v)
    elif isinstance(node, list):
        for v in node:
            yield from strings(v)

SEPARATOR = set(";&|()<>")
KEYWORDS = {"do", "then", "else", "time", "!", "$", "exec"}

def commands(text):
    """The argument lists of the jcsim commands in a shell snippet: `jcsim` as
    a command word, at the start of a line or after `;`, `&&`, `||`, `|`,
    `(`, `$(`, `do`, `then`..."""
    text = re.sub(r"\\\n", " ", text)  # line continuations
    for line in text.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|()<>")
        lexer.whitespace_split = True
        try:
            tokens = list(lexer)
        except ValueError:  # an unbalanced quote: not a command we can check
            continue
        at_start, current, skip = True, None, False
        for tok in tokens + [";"]:
            if skip:  # the file name after a redirection
                skip = False
                continue
            if tok and set(tok) <= set("<>&") and ("<" in tok or ">" in tok):
                skip = True
                continue
            is_sep = bool(tok) and set(tok) <= SEPARATOR
            if current is not None:
                if is_sep:
                    yield current
                    current = None
                else:
                    current.append(tok)
                    continue
            if is_sep:
                at_start = True
            elif at_start and tok == "jcsim":
                current = []
            elif not (at_start and tok in KEYWORDS):
                at_start = False

def check(words):
    """Problems with one jcsim command line."""
    sub = next((w for w in words if not w.startswith("-")), None)
    if sub is not None and words.index(sub) > 0 and any(
            w not in ("--version", "-V", "--help", "-h") for w in words[:words.index(sub)]):
        return [f"options before the subcommand: {' '.join(words)}"]
    if sub is None:
        sub = ""
    flags = help_flags(sub)
    if flags is None:
        return [f"unknown subcommand `{sub}`"]
    problems = []
    for w in words:
        if w == "--":
            break
        if w.startswith("-") and len(w) > 1 and not re.fullmatch(r"-\d+", w):
            flag = w.split("=", 1)[0]
            if flag not in flags:
                problems.append(f"`jcsim {sub}` has no flag `{flag}`")
    return problems

failed = False
for path in sys.argv[1:]:
    with open(path) as f:
        docs = list(yaml.safe_load_all(f))
    found = 0
    for doc in docs:
        for s in strings(doc):
            for words in commands(s):
                found += 1
                for problem in check(words):
                    failed = True
                    print(f"{path}: {problem}\n    in: jcsim {' '.join(words)}", file=sys.stderr)
    if found == 0:
        failed = True
        print(f"{path}: no jcsim command found", file=sys.stderr)
    else:
        print(f"check-ci-examples: {path}: {found} jcsim command(s) checked")
sys.exit(1 if failed else 0)
PY

#!/usr/bin/env python3
# REQ-FUZZ-02
"""fuzz_gen_config: tools/gen_config.py on mutated TOML.

Seeds are every configuration and platform file of the repository
(config/*.toml, platform/*/platform.toml, tests/gen/{bad,good}/*.toml,
tests/host/*.toml, tests/qemu/configs/*.toml, tests/fuzz/configs/*.toml) and
the checked-in corpus tests/fuzz/corpus/fuzz_gen_config/. Each iteration
takes one, applies one to three mutations from a small deterministic mutator
(structural edits on the parsed TOML, written back by a tiny TOML writer:
key deletions, duplicated array entries, type changes, huge and negative
integers, odd strings, unknown keys; or byte-level edits: flips, inserted
bytes, deleted/duplicated/spliced lines), and runs gen_config.main() in this
process with --out to a temporary directory (files a platform seed names
become the --platform file, with a shipped config; others the --config file).

A failure is (id in brackets, for FUZZ_IGNORE):
  - any exception out of main(): a traceback  [the exception's class name]
  - an exit status other than 0 (generated) or 1 (clean rejection)  [exit-status]
  - status 1 with nothing on stderr  [silent-reject]
  - status 0 whose hv_config.c does not compile with the host gcc  [bad-c]
  - one run taking more than RUN_LIMIT seconds  [hang]

Inputs whose file name ends in .platform.toml are platform files, others
configs; so are the saved failures (build/fuzz/artifacts/fuzz_gen_config/)
and regressions (tests/fuzz/regressions/fuzz_gen_config/, replayed first,
with the corpus). Usage:
    tests/fuzz/fuzz_gen_config.py [--seconds N] [--seed S] [--keep-going] [FILE...]
With FILEs it only replays them. Prints one line per failure and exits 1 if
any; FUZZ_IGNORE=id,... turns listed failures into "known" (counted only).
"""
import argparse
import contextlib
import glob
import hashlib
import io
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.dont_write_bytecode = True          # keep the source tree clean
sys.path.insert(0, os.path.join(ROOT, "tools"))
import gen_config  # noqa: E402

TARGET = "fuzz_gen_config"
PLATFORM = "platform/qemu-aarch64/platform.toml"
GOOD_CONFIGS = sorted(glob.glob("config/*.toml", root_dir=ROOT))
ARTIFACTS = os.path.join("build", "fuzz", "artifacts", TARGET)


# ---- seeds and the files they name ----------------------------------------

def is_platform_file(path):
    name = os.path.basename(path)
    return name == "platform.toml" or name.startswith("platform_") or name.endswith(".platform.toml")


def seed_files():
    patterns = ["config/*.toml", "platform/*/platform.toml", "tests/gen/bad/*.toml", "tests/gen/good/*.toml",
                "tests/host/*.toml", "tests/qemu/configs/*.toml", "tests/fuzz/configs/*.toml",
                f"tests/fuzz/corpus/{TARGET}/*.toml"]
    return sorted({p for pat in patterns for p in glob.glob(pat, root_dir=ROOT)})


def arm64_image(text_offset, image_size, length=8192):
    head = bytearray(length)
    head[0:4] = b"\x1f\x20\x03\xd5"
    head[8:16] = text_offset.to_bytes(8, "little")
    head[16:24] = image_size.to_bytes(8, "little")
    head[56:60] = b"ARM\x64"
    return bytes(head)


def make_files(seeds, d):
    """Every ${var}/file the seeds name, inside d; returns the --var list."""
    dtb = os.path.join(d, "_min.dtb")
    with open(os.path.join(d, "_min.dts"), "w") as f:
        f.write('/dts-v1/;\n/ { #address-cells = <2>; #size-cells = <2>; model = "fuzz"; };\n')
    subprocess.run(["dtc", "-q", "-I", "dts", "-O", "dtb", "-o", dtb, os.path.join(d, "_min.dts")], check=True)
    names, variables = set(), {"guests", "deps", "linux", "img"}
    for path in seeds:
        with open(os.path.join(ROOT, path), "rb") as f:
            text = f.read().decode("utf-8", "replace")
        for var, name in re.findall(r"\$\{(\w+)\}/([\w.\-/]+)", text):
            variables.add(var)
            names.add(name)
    for name in sorted(names):
        path = os.path.join(d, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if name.endswith(".dtb") and "big" not in name:
            shutil.copyfile(dtb, path)
        elif name.startswith("Image"):
            with open(path, "wb") as f:
                f.write(arm64_image(0x80000 if "off" in name else 0, 4 << 20))
        elif "empty" in name:
            open(path, "wb").close()
        elif "big" in name:
            with open(path, "wb") as f:
                if name.endswith(".dtb"):
                    f.write(b"\xd0\x0d\xfe\xed")
                f.truncate(17 << 20)     # sparse
        else:
            with open(path, "wb") as f:
                f.write(bytes(range(256)) * 16)
    return [f"{v}={d}" for v in sorted(variables)]


# ---- a tiny TOML writer (inline tables only: always valid TOML) ------------

BARE_KEY = re.compile(r"[A-Za-z0-9_-]+\Z")


def toml_key(k):
    return k if BARE_KEY.match(k) else toml_str(k)


def toml_str(s):
    out = ['"']
    for ch in s:
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif o < 0x20 or o == 0x7f:
            out.append(f"\\u{o:04x}")
        elif 0xd800 <= o <= 0xdfff:
            out.append("\\ufffd")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if v != v:
            return "nan"
        if v in (float("inf"), float("-inf")):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return toml_str(v)
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{toml_key(k)} = {toml_value(x)}" for k, x in v.items()) + " }"
    return v.isoformat()                  # dates and times


def toml_dump(doc):
    return "".join(f"{toml_key(k)} = {toml_value(v)}\n" for k, v in doc.items()).encode()


# ---- the mutator ------------------------------------------------------------

INTERESTING_INTS = [0, 1, -1, 2, 3, 4, 7, 8, 9, 31, 32, 33, 127, 128, 255, 256, 1019, 1020, 1023, 1024,
                    0xfff, 0x1000, 0x1001, 0x200000, 0x40000000, 0x7fffffff, 0x80000000, 0xffffffff,
                    1 << 32, 1 << 39, (1 << 39) - 0x1000, 1 << 48, 1 << 63, (1 << 63) - 1, 1 << 64,
                    (1 << 64) + 1, -(1 << 63), 10 ** 30, -(10 ** 30), 1_000_000_000, 1_000_000_001]
INTERESTING_STRS = ["", "a", "x" * 300, "vm0", "VM0", "0vm", "a b", "é", "\u2603", "..", "/", "/dev/null",
                    "/tmp", "${guests}", "${guests}/", "${nosuch}/x", "${guests}/../../etc/passwd", "${",
                    "${}", "emulated", "passthrough", "hypercall", "restart", "stop", "rtc", "gpio",
                    "arm,pl011", "qemu-aarch64", "aarch64", "16M", "0x1000", "\t", "line\nbreak"]
SCHEMA_KEYS = sorted(set(gen_config.VM_SCHEMA) | set(gen_config.PLATFORM_SCHEMA)
                     | set(gen_config.CONFIG_SCHEMA) | {"ipa", "pa", "size", "shared", "read_only", "file",
                                                         "load", "entry", "pcpu", "budget_us", "base", "stride",
                                                         "mpidr", "irq", "irqs", "compatible", "clock_hz"})


def containers(node, path=()):
    """Every (container, key-or-index) slot in the document."""
    slots = []
    if isinstance(node, dict):
        for k in list(node):
            slots.append((node, k))
            slots.extend(containers(node[k]))
    elif isinstance(node, list):
        for i in range(len(node)):
            slots.append((node, i))
            slots.extend(containers(node[i]))
    return slots


def random_value(rng, depth=0):
    r = rng.randrange(8 if depth < 2 else 5)
    if r == 0:
        return rng.choice(INTERESTING_INTS)
    if r == 1:
        return rng.choice(INTERESTING_STRS)
    if r == 2:
        return rng.choice([True, False])
    if r == 3:
        return rng.choice([0.5, -1.0, float("inf"), float("nan"), 1e300])
    if r == 4:
        return rng.randrange(-(1 << 70), 1 << 70)
    if r == 5:
        return [random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if r == 6:
        return {rng.choice(SCHEMA_KEYS): random_value(rng, depth + 1) for _ in range(rng.randrange(3))}
    return []


def mutate_value(rng, v):
    if isinstance(v, bool):
        return rng.choice([not v, int(v), str(v).lower(), random_value(rng)])
    if isinstance(v, int):
        return rng.choice([rng.choice(INTERESTING_INTS), v + rng.choice([-1, 1, -4096, 4096]), v * 2, -v,
                           v ^ (1 << rng.randrange(64)), str(v), hex(v) if v >= 0 else str(v), float(v),
                           [v], {"value": v}, random_value(rng)])
    if isinstance(v, str):
        return rng.choice([rng.choice(INTERESTING_STRS), v + v, v[: len(v) // 2], v.upper(), "${guests}/" + v,
                           len(v), [v], [v, v], {"file": v}, random_value(rng)])
    if isinstance(v, list):
        return rng.choice([[], v + v, v[::-1], v[:1], [random_value(rng)] + v, random_value(rng)])
    if isinstance(v, dict):
        return rng.choice([{}, [v], [v, v], random_value(rng)])
    return random_value(rng)


def mutate_structure(rng, doc):
    slots = containers(doc)
    op = rng.randrange(7)
    if not slots or op == 0:              # a new key, from the schemas' vocabulary or unknown
        tables = [doc] + [c[k] for c, k in slots if isinstance(c[k], dict)]
        t = rng.choice(tables)
        t[rng.choice(SCHEMA_KEYS + ["unknown", "Name", "vcpu"])] = random_value(rng)
        return
    c, k = rng.choice(slots)
    if op == 1:                           # delete
        del c[k]
    elif op == 2 and isinstance(c, list):  # duplicate an array entry (a [[vm]], a memory region...)
        c.insert(k, _copy(c[k]))
    elif op == 3:                         # swap with another value
        c2, k2 = rng.choice(slots)
        try:
            c[k], c2[k2] = _copy(c2[k2]), _copy(c[k])
        except (KeyError, IndexError):
            pass
    else:                                 # change the value (type changes, huge integers...)
        c[k] = mutate_value(rng, c[k])


def _copy(v):
    if isinstance(v, dict):
        return {k: _copy(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_copy(x) for x in v]
    return v


def mutate_bytes(rng, data, other):
    data = bytearray(data)
    op = rng.randrange(8)
    if not data:
        return bytes(other[: rng.randrange(len(other) + 1)])
    i = rng.randrange(len(data))
    if op == 0:
        data[i] ^= 1 << rng.randrange(8)
    elif op == 1:
        data[i] = rng.choice([0x00, 0x0a, 0x22, 0x27, 0x5b, 0x5d, 0x7b, 0x7d, 0x3d, 0x23, 0x5c, 0x80, 0xc3, 0xff])
    elif op == 2:
        data[i:i] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 8)))
    elif op == 3:
        del data[i:i + rng.randrange(1, 32)]
    lines = bytes(data).split(b"\n")
    j = rng.randrange(len(lines))
    if op == 4:
        lines.insert(j, lines[rng.randrange(len(lines))])
    elif op == 5:
        del lines[j]
    elif op == 6:
        olines = other.split(b"\n")
        lines.insert(j, olines[rng.randrange(len(olines))])
    elif op == 7:
        lines[j] = re.sub(rb"\b(0x[0-9a-fA-F_]+|\d+)\b", lambda m: str(rng.choice(INTERESTING_INTS)).encode(),
                          lines[j], count=1)
    else:
        return bytes(data)
    return b"\n".join(lines)


def mutate(rng, data, other):
    for _ in range(rng.randrange(1, 4)):
        doc = None
        if rng.randrange(10) < 7:
            try:
                doc = tomllib.loads(data.decode())
            except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
                doc = None
        if doc is not None:
            mutate_structure(rng, doc)
            data = toml_dump(doc)
        else:
            data = mutate_bytes(rng, data, other)
    return data


# ---- running the generator --------------------------------------------------

RUN_LIMIT = 20.0   # seconds one generator run may take before it counts as a hang


class Hang(Exception):
    """Raised by the watchdog inside a generator run that takes too long."""


def _watchdog(signum, frame):
    raise Hang(f"gen_config.main() still running after {RUN_LIMIT:.0f} s")


class Runner:
    def __init__(self, work, variables, ignore):
        self.work = work
        self.variables = variables
        self.ignore = ignore
        self.compiled = set()
        self.runs = self.accepted = self.known = 0

    def run(self, data, platform_role, config_for_platform):
        """Runs gen_config on one input; returns None or (id, message, site)."""
        d = tempfile.mkdtemp(dir=self.work)
        try:
            path = os.path.join(d, "fuzz.platform.toml" if platform_role else "fuzz.toml")
            with open(path, "wb") as f:
                f.write(data)
            platform, config = (path, config_for_platform) if platform_role else (PLATFORM, path)
            out = os.path.join(d, "out")
            argv = ["--platform", platform, "--config", config, "--out", out]
            for v in self.variables:
                argv += ["--var", v]
            if len(data) % 3 == 0:
                argv.append("--describe")
            stdout, stderr = io.StringIO(), io.StringIO()
            self.runs += 1
            old_handler = signal.signal(signal.SIGALRM, _watchdog)
            signal.setitimer(signal.ITIMER_REAL, RUN_LIMIT)
            try:
                with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                    rc = gen_config.main(argv)
            except SystemExit as e:
                rc = e.code
            except Hang as e:
                return "hang", traceback.format_exc(), crash_site(e)
            except Exception as e:     # noqa: BLE001 - any traceback is what we look for
                return type(e).__name__, traceback.format_exc(), crash_site(e)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, old_handler)
            if rc not in (0, 1):
                return "exit-status", f"exit status {rc!r}\n{stderr.getvalue()}", str(rc)
            if rc == 1:
                if not stderr.getvalue().strip():
                    return "silent-reject", "exit status 1 with nothing on stderr", ""
                return None
            self.accepted += 1
            return self.check_c(out)
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def check_c(self, out):
        """An accepted configuration must give C that compiles."""
        try:
            with open(os.path.join(out, "hv_config.c"), "rb") as f:
                digest = hashlib.sha1(f.read()).hexdigest()
        except OSError as e:
            return "bad-c", f"status 0 but no hv_config.c: {e}", "missing"
        if digest in self.compiled or len(self.compiled) >= 200:
            return None
        self.compiled.add(digest)
        r = subprocess.run(["gcc", "-std=c11", "-fsyntax-only", "-Wall", "-Werror", "-Isrc/core/include",
                            "-I", out, os.path.join(out, "hv_config.c")], capture_output=True, text=True)
        if r.returncode != 0:
            first = next((l for l in r.stderr.splitlines() if "error" in l), r.stderr[:200])
            return "bad-c", "generated hv_config.c does not compile:\n" + r.stderr[:2000], \
                re.sub(r"^[^:]*:\d+:\d+: ", "", first)
        return None


def crash_site(exc):
    """Where an exception comes from: the deepest frame in gen_config.py and
    the deepest frame overall, so that one bug is reported once."""
    frames = traceback.extract_tb(exc.__traceback__)
    ours = [f for f in frames if f.filename.endswith("gen_config.py")]
    site = f"gen_config.py:{ours[-1].lineno} ({ours[-1].name})" if ours else "?"
    if frames and frames[-1] not in ours:
        site += f" -> {os.path.basename(frames[-1].filename)}:{frames[-1].lineno}"
    return site


def save_failure(data, platform_role, fid, message):
    os.makedirs(ARTIFACTS, exist_ok=True)
    h = hashlib.sha1(data).hexdigest()[:16]
    path = os.path.join(ARTIFACTS, f"crash-{h}" + (".platform.toml" if platform_role else ".toml"))
    with open(path, "wb") as f:
        f.write(data)
    with open(path + ".txt", "w") as f:
        f.write(f"[{fid}]\n{message}")
    return path


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=10.0, help="time budget of the mutation loop")
    ap.add_argument("--seed", type=int, default=int(os.environ.get("FUZZ_SEED", "1")),
                    help="random seed (0: a random one)")
    ap.add_argument("--keep-going", action="store_true", help="collect distinct failures instead of stopping")
    ap.add_argument("files", nargs="*", help="only replay these inputs")
    args = ap.parse_args(argv)
    os.chdir(ROOT)
    ignore = {x for x in os.environ.get("FUZZ_IGNORE", "").split(",") if x}
    seed = args.seed if args.seed != 0 else random.SystemRandom().randrange(1 << 32)
    rng = random.Random(seed)
    seeds = seed_files()
    os.makedirs(os.path.join("build", "fuzz"), exist_ok=True)
    failures, signatures = 0, set()

    with tempfile.TemporaryDirectory(prefix="fuzz_gen_config.", dir=os.path.join("build", "fuzz")) as work:
        fakes = os.path.join(work, "files")
        os.makedirs(fakes)
        runner = Runner(work, make_files(seeds, fakes), ignore)

        def report(data, platform_role, result, origin):
            nonlocal failures
            fid, message, site = result
            if fid in ignore:
                runner.known += 1
                return False
            if (fid, site) in signatures:
                return False
            signatures.add((fid, site))
            last = message.strip().splitlines()[-1] if message.strip() else fid
            path = save_failure(data, platform_role, fid, message)
            print(f"{TARGET}: [{fid}] at {site}: {last[:200]} (input {origin}, saved as {path})")
            sys.stdout.flush()
            failures += 1
            return True

        # Replays: the given files, or the regressions and the corpus.
        replay = args.files or sorted(glob.glob(f"tests/fuzz/regressions/{TARGET}/*.toml")
                                      + glob.glob(f"tests/fuzz/corpus/{TARGET}/*.toml"))
        for path in replay:
            with open(path, "rb") as f:
                data = f.read()
            platform_role = is_platform_file(path)
            result = runner.run(data, platform_role, GOOD_CONFIGS[0])
            if result is not None:
                report(data, platform_role, result, path)
        if args.files:
            return 1 if failures else 0

        contents = []
        for path in seeds:
            with open(path, "rb") as f:
                contents.append((path, f.read()))
        deadline = time.monotonic() + args.seconds
        while time.monotonic() < deadline and (failures == 0 or args.keep_going):
            path, data = rng.choice(contents)
            other = rng.choice(contents)[1]
            platform_role = is_platform_file(path)
            mutated = mutate(rng, data, other)
            result = runner.run(mutated, platform_role, rng.choice(GOOD_CONFIGS))
            if result is not None:
                report(mutated, platform_role, result, f"mutated from {path}")
        print(f"{TARGET}: seed {seed}, {runner.runs} runs, {runner.accepted} accepted, "
              f"{len(runner.compiled)} compiled, {runner.known} known failure(s) ignored, "
              f"{failures} new failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

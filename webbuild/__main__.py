"""``python -m webbuild wheel|stdlib|bundle|finish …``: the Python steps of build_wasm.sh, a line each."""

from __future__ import annotations

import argparse
from pathlib import Path

from slm_web.registry import TASKS
from webbuild.bundles import SHARED_BUNDLES, MissingCheckpoint, build_bundle, build_warmup_model, site_bundles
from webbuild.bytecode import SITE_PACKAGES, BytecodeError, compile_sources
from webbuild.site import INDEX_HTML, MANIFEST, precompress, write_manifest, write_wire_bundles
from webbuild.stdlib import TrimError, trim
from webbuild.wheel import build_wheel, project_version, write_lock


def _wheel(args: argparse.Namespace) -> None:
    def compiler(sources: dict[str, bytes]) -> dict[str, bytes]:
        return compile_sources(args.pyodide, SITE_PACKAGES, sources).pycs

    try:
        version = project_version(args.pyproject)
        wheel = build_wheel(args.package, version, args.out, compiler=compiler if args.bytecode else None)
    except BytecodeError as error:
        raise SystemExit(f"webbuild wheel: error: {error}") from None
    lock = write_lock(args.stock_lock, wheel, args.package.name, args.out / "pyodide-lock.json")
    (entry,) = lock["packages"].values()
    for stale in args.out.glob(f"{args.package.name}-*.whl"):
        if stale != wheel:
            stale.unlink()
    form = "sourceless .pyc" if args.bytecode else "sources"
    print(f"    {wheel.name} ({form}) sha256 {entry['sha256'][:16]}…, pyodide-lock.json lists it")


def _stdlib(args: argparse.Namespace) -> None:
    stock = args.pyodide / "python_stdlib.zip"
    try:
        got = trim(stock, args.out, args.pyodide, args.wheel_dir, args.package, bytecode=args.bytecode)
    except (TrimError, BytecodeError) as error:
        raise SystemExit(f"webbuild stdlib: error: {error}") from None
    form = f".pyc, magic {got['magic'].hex()}" if got["magic"] else "sources"
    print(
        f"    {args.out.name}: {got['files']} of {got['stock_files']} files, "
        f"{got['stock_bytes'] / 1e6:.2f} -> {got['bytes'] / 1e6:.2f} MB of {form} "
        f"(trace + check on the trimmed zip under Node: {got['seconds']:.1f} s)"
    )
    print(f"    not in Pyodide, skipped: {', '.join(got['not_in_pyodide']) or 'nothing'}")


def _bundle(args: argparse.Namespace) -> None:
    try:
        print(f"    {build_bundle(args.task, args.out)}")
    except MissingCheckpoint as error:
        raise SystemExit(f"webbuild bundle: error: {error}") from None


def _plan(args: argparse.Namespace) -> None:
    shared = None if args.shared is None else [name for name in args.shared.split(",") if name]
    try:
        print(*site_bundles(shared))
    except ValueError as error:
        raise SystemExit(f"webbuild plan: error: {error}") from None


def _warmup(args: argparse.Namespace) -> None:
    print(f"    {build_warmup_model(args.out)}")


def _finish(args: argparse.Namespace) -> None:
    (args.site / "index.html").write_text(INDEX_HTML)
    wire = write_wire_bundles(args.site)
    print(f"    {len(wire)} bundles also as .slm4 (4-bit weights on the wire)")
    copies = precompress(args.site)
    print(f"    {len(copies)} precompressed copies (.br, .gz)")
    manifest = write_manifest(args.site)
    tasks = ", ".join(sorted(manifest["bundles"])) or "none"
    print(f"    build-manifest.json: {len(manifest['files'])} files, bundles: {tasks}")


def _snapshot(args: argparse.Namespace) -> None:
    from webbuild.snapshot import SNAPSHOT_PATH, ship_snapshot

    if not (args.site / MANIFEST).is_file():
        raise SystemExit(f"webbuild snapshot: {args.site} has no {MANIFEST}: build the site first")
    ship_snapshot(args.site)
    sizes = [(args.site / (SNAPSHOT_PATH + suffix)).stat().st_size / 1e6 for suffix in ("", ".br", ".gz")]
    print(f"    {SNAPSHOT_PATH}: {sizes[0]:.1f} MB, {sizes[1]:.1f} MB Brotli, {sizes[2]:.1f} MB gzip")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="webbuild")
    sub = parser.add_subparsers(required=True)
    wheel = sub.add_parser("wheel", help="reproducible slm_web wheel + pyodide-lock.json listing it")
    wheel.add_argument("package", type=Path, help="the package folder (slm_web)")
    wheel.add_argument("--pyproject", type=Path, required=True)
    wheel.add_argument("--stock-lock", type=Path, required=True, help="Pyodide's own pyodide-lock.json")
    wheel.add_argument("--out", type=Path, required=True)
    wheel.add_argument("--pyodide", type=Path, required=True, help="the pyodide npm package (compiles .pyc)")
    wheel.add_argument("--bytecode", action="store_true", help="ship sourceless .pyc compiled in Pyodide")
    wheel.set_defaults(run=_wheel)
    stdlib = sub.add_parser("stdlib", help="python_stdlib.zip trimmed to what a loaded worker imports")
    stdlib.add_argument("package", type=Path, help="the package folder (slm_web)")
    stdlib.add_argument("--pyodide", type=Path, required=True, help="the pyodide npm package (stock zip)")
    stdlib.add_argument("--wheel-dir", type=Path, required=True, help="the wheel + its pyodide-lock.json")
    stdlib.add_argument("--out", type=Path, required=True)
    stdlib.add_argument("--bytecode", action="store_true", help="ship sourceless .pyc compiled in Pyodide")
    stdlib.set_defaults(run=_stdlib)
    plan = sub.add_parser("plan", help="the bundles a site ships, by file name (without .slm)")
    plan.add_argument("--shared", help="comma-separated shared bundles to ship (default: the table's; "
                      f"known: {', '.join(SHARED_BUNDLES)}); empty: none")
    plan.set_defaults(run=_plan)
    bundle = sub.add_parser("bundle", help="a default bundle (a task's student, or a shared bundle's)")
    bundle.add_argument("task", choices=[*TASKS, *SHARED_BUNDLES])
    bundle.add_argument("--out", type=Path, required=True)
    bundle.set_defaults(run=_bundle)
    warmup = sub.add_parser("warmup", help="the tiny model the bridge runs while Python starts")
    warmup.add_argument("--out", type=Path, required=True)
    warmup.set_defaults(run=_warmup)
    finish = sub.add_parser("finish", help="precompress large files, write build-manifest.json")
    finish.add_argument("site", type=Path)
    finish.set_defaults(run=_finish)
    snapshot = sub.add_parser(
        "snapshot", help="ship a Pyodide memory snapshot (made in headless Chromium) with a finished site"
    )
    snapshot.add_argument("site", type=Path, help="a site build_wasm.sh finished (dist/site)")
    snapshot.set_defaults(run=_snapshot)
    args = parser.parse_args(argv)
    args.run(args)


if __name__ == "__main__":
    main()

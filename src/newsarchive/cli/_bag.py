"""`bag validate`: check a BagIt bag and report every problem."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from newsarchive.cli._common import Context, Handler, UsageError, dump, subcommands

if TYPE_CHECKING:
    import argparse

__all__ = ["add_commands"]


def add_commands(sub: Any) -> dict[str, Handler]:
    """Add the `bag` group to the `newsarchive` sub-parsers; return its handler."""
    bag = sub.add_parser(
        "bag",
        help="validate a BagIt bag",
        description="BagIt bags (RFC 8493 1.0 and the 0.93-0.97 drafts).",
    )
    bag_ops = subcommands(bag, "bag_command", "ACTION")
    bag_val = bag_ops.add_parser(
        "validate",
        help="check a bag and report every problem",
        description="Check the bag at DIR: bagit.txt, every manifest and tag manifest, every "
        "checksum, Payload-Oxum, fetch.txt, and that no file name points outside the bag. "
        "Every problem is reported, not only the first. Exit 0 valid (warnings are printed), "
        "1 invalid (a bag with problems, or one that lost its bagit.txt), 2 not a bag at all "
        "(not a directory, or one with none of a bag's files).",
    )
    bag_val.add_argument("dir", metavar="DIR", help="the bag directory")
    bag_val.add_argument("--json", action="store_true", help="print the report as JSON")
    return {"bag": _cmd_bag}


def _cmd_bag(args: argparse.Namespace, ctx: Context) -> int:
    if args.bag_command is None:
        raise UsageError("newsarchive bag: an action is required: validate")
    from newsarchive.bag import validate_bag  # noqa: PLC0415
    from newsarchive.errors import printable  # noqa: PLC0415

    report = validate_bag(args.dir)  # BagError (exit 2) when DIR is no bag at all
    if args.json:
        ctx.out(dump(report.to_dict()))
    else:
        for p in report.problems:
            ctx.out(f"{'ERROR' if p.severity == 'error' else 'warning'} {p}\n")
        verdict = "VALID" if report.ok else "INVALID"
        version = f"BagIt {report.version}" if report.version else "BagIt version unknown"
        algorithms = ", ".join(report.algorithms) or "no manifest"
        ctx.out(
            f"{verdict}: {printable(report.path)} ({version}; {algorithms}): "
            f"{len(report.manifests)} payload files checked; {len(report.errors)} errors, "
            f"{len(report.warnings)} warnings\n"
        )
    return 0 if report.ok else 1

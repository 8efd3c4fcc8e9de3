"""Commands on proof material, none needing a store: key generate, key public, verify-proof."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from newsarchive.cli._common import (
    EXIT_FAILED,
    EXIT_OK,
    Context,
    Handler,
    UsageError,
    dump,
    subcommands,
)

if TYPE_CHECKING:
    import argparse

__all__ = ["add_commands"]


def add_commands(sub: Any) -> dict[str, Handler]:
    """Add the `key` group and `verify-proof` to the `newsarchive` sub-parsers."""
    key = sub.add_parser(
        "key",
        help="make a log signing key, show its public key",
        description="Ed25519 keys for signing checkpoints, in the C2SP signed-note forms "
        "(the Go checksum database's). Needs the 'proofs' extra.",
    )
    key_ops = subcommands(key, "key_command", "ACTION")
    gen = key_ops.add_parser(
        "generate",
        help="create a signer key file (mode 0600) and print its public key",
        description="Create FILE (it must not exist; mode 0600) holding a new Ed25519 signer "
        "key named NAME (the log's origin, such as news.example/archive), and print the "
        "verifier key (name+keyid+base64) readers check checkpoints with. The private key "
        "is never printed.",
    )
    gen.add_argument("name", metavar="NAME", help="the key's name (no spaces, no '+')")
    gen.add_argument("-o", "--output", metavar="FILE", required=True, help="the key file")
    pub = key_ops.add_parser(
        "public",
        help="print the public (verifier) key of a signer key file",
        description="Print the verifier key (name+keyid+base64) of the signer key in FILE.",
    )
    pub.add_argument("file", metavar="FILE", help="a signer key file")
    ver = sub.add_parser(
        "verify-proof",
        help="check an evidence bundle offline, rung by rung",
        description="Check BUNDLE (an evidence bundle, newsarchive-evidence/v1) offline: the "
        "content against the record's digest, the record digest and id, the inclusion proof "
        "against the checkpoint, the checkpoint's signature by --key, and the time-stamp by "
        "a TSA in --tsa-cert. Each rung is reported; exit 0 only if every rung present "
        "holds, 1 if one fails (a time-stamp without --tsa-cert counts as unchecked), "
        "2 if BUNDLE is not a bundle or a key is malformed.",
    )
    ver.add_argument("bundle", metavar="BUNDLE", help="the bundle JSON file, or - for stdin")
    ver.add_argument(
        "--key",
        action="append",
        required=True,
        metavar="VKEY",
        help="a verifier key (name+keyid+base64) or a file holding one; repeatable",
    )
    ver.add_argument(
        "--tsa-cert",
        metavar="FILE",
        help="PEM certificates of the trusted TSA: its certificate up to its root CA",
    )
    ver.add_argument("--json", action="store_true", help="print the report as JSON")
    return {"key": _cmd_key, "verify-proof": _cmd_verify_proof}


def _cmd_key(args: argparse.Namespace, ctx: Context) -> int:
    if args.key_command is None:
        raise UsageError("newsarchive key: an action is required: generate, public")
    from newsarchive.proofs import generate_key_file, load_signer_key  # noqa: PLC0415

    if args.key_command == "generate":
        verifier = generate_key_file(args.name, args.output)
    else:
        verifier = load_signer_key(args.file).verifier()
    ctx.out(f"{verifier}\n")
    return EXIT_OK


def _cmd_verify_proof(args: argparse.Namespace, ctx: Context) -> int:
    from newsarchive.errors import ProofError  # noqa: PLC0415
    from newsarchive.proofs import (  # noqa: PLC0415
        load_tsa_trust,
        load_verifier_key,
        verify_bundle,
    )

    keys = [load_verifier_key(k) for k in args.key]
    trust = None
    if args.tsa_cert is not None:
        trust = load_tsa_trust(ctx.read(args.tsa_cert))
    data = ctx.read(args.bundle)
    try:
        report = verify_bundle(data, keys, trust)
    except ProofError as exc:
        name = "standard input" if args.bundle == "-" else args.bundle
        raise ProofError(f"{name}: {exc.message}", code=exc.code) from None
    if args.json:
        ctx.out(dump(report.to_dict()))
    else:
        for rung in report.rungs:
            ctx.out(f"{rung.status:<9} {rung.name}: {rung.detail}\n")
        if report.ok:
            ctx.out(
                f"VERIFIED: record {report.record_id} is entry {report.leaf_index} of a log "
                f"of {report.tree_size}\n"
            )
        else:
            ctx.out(f"NOT VERIFIED: {', '.join(report.failed)} did not hold\n")
    return EXIT_OK if report.ok else EXIT_FAILED

"""Commands on a store's log: `store checkpoint`, `store consistency`, and `prove ID`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from newsarchive.cli._common import (
    EXIT_FAILED,
    EXIT_OK,
    Context,
    Handler,
    UsageError,
    add_store_option,
    dump,
    open_store,
)

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable

__all__ = [
    "add_commands",
    "add_store_commands",
    "add_verify_options",
    "signature_findings",
    "verifier_keys",
]


def add_store_commands(
    op: Callable[..., argparse.ArgumentParser],
) -> dict[str, Callable[[argparse.Namespace, Context], int]]:
    """Add `checkpoint` and `consistency` to the `store` group (`op` makes one action)."""
    cp = op(
        "checkpoint",
        help="sign a checkpoint of the store's log (and have it time-stamped)",
        description="Sign a C2SP checkpoint of the store's log as it stands (origin, tree "
        "size, root hash) with the signer key in --key, as a signed note, and add it to the "
        "store's checkpoint history (checkpoints/NNNNNNNN.note); with --tsa, an RFC 3161 "
        "time-stamping authority stamps it and its token is kept beside it (NNNNNNNN.tsr). "
        "Prints the checkpoint. The key is read, never stored or printed; a key file inside "
        "the store is refused. Publish the checkpoints: they protect against a rewritten "
        "store only where a copy is kept outside it. Needs the 'proofs' extra.",
    )
    cp.add_argument("--key", required=True, metavar="FILE", help="the signer key file")
    cp.add_argument("--tsa", metavar="URL", help="an RFC 3161 TSA (http:// or https://)")
    cp.add_argument(
        "--ca-bundle",
        metavar="FILE",
        help="PEM certificates to trust for an https:// TSA (default: the system's)",
    )
    con = op(
        "consistency",
        help="prove the store's latest checkpoint extends an older one",
        description="Print the RFC 9162 consistency proof from the checkpoint in FILE (a "
        "signed checkpoint of this store's log kept earlier, by you or a reader) to the "
        "store's latest checkpoint, and check it: exit 0 if the log still starts with exactly "
        "the entries FILE signed, 1 if not (rolled back, truncated or rewritten), 2 if FILE "
        "is not a signed checkpoint. Signatures are not checked here (verify-proof does).",
    )
    con.add_argument("old", metavar="FILE", help="an older signed checkpoint (.note)")
    con.add_argument("--json", action="store_true", help="print the result as JSON")
    return {"checkpoint": _cmd_checkpoint, "consistency": _cmd_consistency}


def add_verify_options(verify: argparse.ArgumentParser) -> None:
    """`store verify --key VKEY`: check the checkpoints' signatures too."""
    verify.add_argument(
        "--key",
        action="append",
        metavar="VKEY",
        help="a verifier key (name+keyid+base64, or a file holding one; repeatable): every "
        "checkpoint must be signed by one of them (needs the 'proofs' extra)",
    )


def verifier_keys(args: argparse.Namespace) -> list[Any]:
    """The keys `--key` names, read before the audit starts (a malformed one: exit 2)."""
    if not args.key:
        return []
    from newsarchive.proofs import load_verifier_key  # noqa: PLC0415

    return [load_verifier_key(k) for k in args.key]


def signature_findings(store: Any, keys: list[Any]) -> list[Any]:
    """A `checkpoint-signature` failure for each checkpoint no key in `keys` signed."""
    from newsarchive.proofs._storecheck import check_signatures  # noqa: PLC0415

    return check_signatures(store.root, keys)


def add_commands(sub: Any) -> dict[str, Handler]:
    """Add `prove` to the `newsarchive` sub-parsers."""
    prove = sub.add_parser(
        "prove",
        help="write the evidence bundle of a stored record",
        description="Write an evidence bundle (newsarchive-evidence/v1) for record ID: the "
        "record, its content (unless --no-content), its index in the store's log, the "
        "inclusion proof, the latest checkpoint that covers it, and that checkpoint's "
        "time-stamp token if it has one. Anyone can check it offline with `newsarchive "
        "verify-proof BUNDLE --key VKEY`. Exit 1 when no checkpoint covers the record yet "
        "(run `store checkpoint` first). An ID may be shortened to its first 8 or more hex "
        "digits when no other record id starts with them.",
    )
    add_store_option(prove)
    prove.add_argument("id", metavar="ID")
    prove.add_argument(
        "-o", "--output", required=True, metavar="BUNDLE", help="the bundle file, or - for stdout"
    )
    prove.add_argument(
        "--no-content",
        action="store_true",
        help="leave the content out (the record is still proven by its content digest)",
    )
    return {"prove": _cmd_prove}


def _cmd_checkpoint(args: argparse.Namespace, ctx: Context) -> int:
    from pathlib import Path  # noqa: PLC0415

    from newsarchive.proofs import load_signer_key  # noqa: PLC0415

    with open_store(args) as store:
        key = Path(args.key).resolve()
        if key.is_relative_to(store.root.resolve()):
            raise UsageError(
                "newsarchive store checkpoint: --key: the key file is inside the store; "
                "keep private keys out of it"
            )
        signer = load_signer_key(args.key)
        made = store.checkpoint(signer, tsa_url=args.tsa, cafile=args.ca_bundle)
    ctx.out(made.note.decode("utf-8"))
    stamped = "" if made.token is None else ", time-stamped"
    ctx.err(f"newsarchive store checkpoint: {made.name}: {made.checkpoint.size} entries{stamped}")
    return EXIT_OK


def _cmd_consistency(args: argparse.Namespace, ctx: Context) -> int:
    import base64  # noqa: PLC0415

    from newsarchive.errors import ProofError  # noqa: PLC0415
    from newsarchive.proofs._prove import consistency  # noqa: PLC0415

    old = ctx.read(args.old)
    with open_store(args) as store:
        try:
            found = consistency(store, old)
        except ProofError as exc:
            if exc.code != "no-checkpoint":
                raise ProofError(f"{args.old}: {exc.message}", code=exc.code) from None
            ctx.err(f"newsarchive: error: store consistency: {exc.message}")
            return EXIT_FAILED
    proof = [base64.b64encode(p).decode("ascii") for p in found.proof]
    new = found.new.checkpoint
    old_root, new_root = (base64.b64encode(r).decode("ascii") for r in (found.old.root, new.root))
    if args.json:
        ctx.out(
            dump(
                {
                    "consistent": found.ok,
                    "reason": found.reason,
                    "old": {"size": found.old.size, "root": old_root},
                    "new": {"checkpoint": found.new.name, "note": found.new.note.decode()},
                    "proof": proof,
                }
            )
        )
    else:
        ctx.out(f"old: size {found.old.size} root {old_root}\n")
        ctx.out(f"new: {found.new.name} size {new.size} root {new_root}\n")
        ctx.out(f"proof: {len(proof)} hashes\n")
        ctx.out("".join(f"  {p}\n" for p in proof))
        ctx.out(f"{'CONSISTENT' if found.ok else 'NOT CONSISTENT'}: {found.reason}\n")
    return EXIT_OK if found.ok else EXIT_FAILED


def _cmd_prove(args: argparse.Namespace, ctx: Context) -> int:
    from newsarchive._json import canonical_dumps  # noqa: PLC0415
    from newsarchive.errors import ProofError  # noqa: PLC0415
    from newsarchive.proofs._prove import NOT_COVERED, prove  # noqa: PLC0415
    from newsarchive.store._ids import resolve_id  # noqa: PLC0415

    with open_store(args) as store:
        record_id = resolve_id(store, args.id)
        try:
            bundle = prove(store, record_id, with_content=not args.no_content)
        except ProofError as exc:
            if exc.code != NOT_COVERED:
                raise
            ctx.err(f"newsarchive: error: prove: {exc.message}")
            return EXIT_FAILED
    data = canonical_dumps(bundle) + b"\n"
    if args.output == "-":
        ctx.stdout.write(data)
    else:
        from newsarchive._atomicfile import write_atomic  # noqa: PLC0415

        write_atomic(args.output, data)
        ctx.err(
            f"newsarchive prove: {args.output}: record {record_id}, entry {bundle['leaf_index']} "
            f"of a log of {_size(bundle)}"
        )
    return EXIT_OK


def _size(bundle: dict[str, Any]) -> str:
    return str(bundle["checkpoint"].split("\n", 2)[1])

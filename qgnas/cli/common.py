"""What every command shares: one-line usage errors, help that shows defaults, option types, and
the checks of ``--out`` and ``--searchers``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from qgnas.searchers import LATENT_SEARCHERS


class UsageError(Exception):
    """Bad command-line input: reported as one line, exit code 2."""


class DefaultsFormatter(argparse.HelpFormatter):
    """Appends ``(default: X)`` to an option's help, unless its help already says what the default is
    or there is none to show (None, False: the help then says what leaving it out does)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        default = action.default
        hidden = default is None or default is False or default is argparse.SUPPRESS or default == []
        if "default" in text or hidden or not action.option_strings:
            return action.help
        return f"{text} (default: %(default)s)"


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (no usage dump) and whose help shows defaults."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", DefaultsFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:
        raise UsageError(message)


def positive(name: str, kind: type = int):
    """argparse type: a positive ``kind`` (int or float), with a message naming the option and value."""
    noun = "integer" if kind is int else "number"

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a positive {noun}, got {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"{name} must be a positive {noun}, got {value}")
        return value

    return parse


def positive_int(name: str):
    return positive(name, int)


def positive_float(name: str):
    return positive(name, float)


def add_data_root(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-root", default=None, help="Planetoid root (default: $QGNAS_DATA or ~/.cache/qgnas/data)"
    )


def check_out_dir(path: str) -> Path:
    """``path`` as a directory that exists and can be written, or a usage error saying why not."""
    out = Path(path)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".qgnas-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise UsageError(f"--out {path!r} is not a writable directory ({exc.strerror or exc})") from None
    return out


def refuse_existing_runs(out: Path, text: str, resume: bool) -> None:
    """A benchmark directory that holds runs is continued only when asked (``--resume``)."""
    from qgnas.core.bench import existing_runs

    if not resume and existing_runs(out):
        raise UsageError(
            f"--out {text!r} already holds runs; add --resume to continue them, or pick a new --out"
        )


def parse_searchers(text: str) -> list[str]:
    """``--searchers a,b`` -> registered searcher names (aliases such as ``graphnas`` resolved)."""
    from qgnas.searchers import resolve_searcher

    names = [s for s in (t.strip() for t in text.split(",")) if s]
    if not names:
        raise UsageError("--searchers is empty; allowed: random, evolution, reinforce, bo")
    try:
        resolved = [resolve_searcher(n) for n in names]
    except ValueError as exc:
        raise UsageError(f"--searchers: {exc}") from None
    if len(set(resolved)) != len(resolved):
        raise UsageError(f"--searchers lists a searcher twice: {text!r}")
    return resolved


def latent_options(searchers: list[str], encoder: str | None, space, out: Path, quiet: bool) -> dict:
    """``{searcher: {"encoder": DIR}}`` for the latent searchers among ``searchers``: ``--encoder`` when
    given (checked against the task's space), else an encoder trained into ``OUT/encoder`` (or the one
    an earlier run trained there)."""
    latent = [n for n in searchers if n in LATENT_SEARCHERS]
    if not latent:
        if encoder is not None:
            raise UsageError("--encoder is only used by the latent searchers (gae-bo, gae-rl)")
        return {}
    from qgnas.encoders import EncoderMismatch, cached_encoder, load_encoder

    try:
        if encoder is not None:
            load_encoder(encoder, space)
            directory = Path(encoder)
        else:
            directory = out / "encoder"
            if not (directory / "config.json").is_file():
                note = f"no --encoder given: training one for {space.name} into {directory} (seed 0) first"
                print(note, file=sys.stderr)
            _, trained = cached_encoder(space, directory, seed=0, progress=not quiet)
            if not trained:
                print(f"using the encoder trained earlier in {directory}", file=sys.stderr)
    except (EncoderMismatch, FileNotFoundError) as exc:
        raise UsageError(f"--encoder: {exc}") from None
    return {name: {"encoder": str(directory.resolve())} for name in latent}


def add_autognn_space_options(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    """``--heads``, ``--hidden`` and ``--output-activation``: the restrictions of the Auto-GNN space that
    a search and the encoder of its latent searchers must share. ``prefix`` (``"space-"``) names them
    where ``--hidden`` means something else (the encoder's own width)."""
    which = "the Auto-GNN space's " if prefix else "the "
    parser.add_argument(f"--{prefix}heads", default=None, help=f"restrict {which}heads choices, e.g. 1,2,4,8")
    parser.add_argument(
        f"--{prefix}hidden", default=None, help=f"restrict {which}hidden-units choices, e.g. 4,8,16,32,64"
    )
    parser.add_argument(
        "--output-activation",
        default=None,
        metavar="NAME",
        help="fix the last layer's activation instead of searching it, e.g. linear (no activation on "
        "the logits; departs from the published space)",
    )


def autognn_space_choices(args: argparse.Namespace, prefix: str = "") -> dict[str, tuple[int, ...]]:
    """``--heads 1,2,4 --hidden 8,16`` -> Auto-GNN space restrictions (validated by the space)."""
    out = {}
    for field in ("heads", "hidden"):
        text = getattr(args, (prefix + field).replace("-", "_"))
        if text is None:
            continue
        try:
            out[field] = tuple(int(v) for v in text.split(","))
        except ValueError:
            raise UsageError(f"--{prefix}{field} expects comma-separated integers, got {text!r}") from None
    return out

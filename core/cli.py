"""Command line for scripted use (a county office comparing townships) and for checks.

    python -m core import  --workspace DB [--group-name NAME] FILE...
    python -m core summary --workspace DB
    python -m core sample  --out DIR [--seed N] [--days N]

Every command prints JSON (one object per line for ``import``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from core.workspace import DEFAULT_PATH, Workspace, WorkspaceBusy


def _print(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, default=str), flush=True)


def _cmd_import(args: argparse.Namespace) -> int:
    if args.group_name and len(args.files) > 1:
        print("--group-name 只能用于单个消息文件：请每次导入一个文件。", file=sys.stderr)
        return 2
    ws = Workspace(args.workspace)
    status = 0
    try:
        for name in args.files:
            path = Path(name)
            if not path.is_file():
                report = {"file": name, "format": None, "kind": None, "rows": 0, "loaded": 0, "duplicates": 0,
                          "rejected": 0, "errors": [f"找不到文件「{name}」。请检查路径。"]}
            else:
                report = ws.import_file(path, group_name=args.group_name).as_cli()
            _print(report)
            if report["errors"]:
                status = 2
                for err in report["errors"]:
                    print(err, file=sys.stderr)
    finally:
        ws.close()
    return status


def _cmd_summary(args: argparse.Namespace) -> int:
    ws = Workspace(args.workspace)
    try:
        _print(ws.summary())
    finally:
        ws.close()
    return 0


def _cmd_sample(args: argparse.Namespace) -> int:
    from core.sample import generate

    manifest = generate(Path(args.out), seed=args.seed, days=args.days)
    _print(manifest)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core", description="群鉴 命令行")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("import", help="导入文件（每个文件输出一行 JSON）")
    p.add_argument("--workspace", default=str(DEFAULT_PATH), help="工作区 DuckDB 文件")
    p.add_argument("--group-name", default=None, help="单个消息文件所属的群名称")
    p.add_argument("files", nargs="+", help="要导入的文件")
    p.set_defaults(func=_cmd_import)

    p = sub.add_parser("summary", help="工作区概况")
    p.add_argument("--workspace", default=str(DEFAULT_PATH))
    p.set_defaults(func=_cmd_summary)

    p = sub.add_parser("sample", help="生成示例乡镇数据文件")
    p.add_argument("--out", required=True, help="输出目录")
    p.add_argument("--seed", type=int, default=20260301)
    p.add_argument("--days", type=int, default=90)
    p.set_defaults(func=_cmd_sample)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except WorkspaceBusy as exc:
        print(str(exc), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

"""Command line for scripted use (a county office comparing townships) and for checks.

    python -m core import  --workspace DB [--group-name NAME] FILE...
    python -m core summary --workspace DB
    python -m core sample  --out DIR [--seed N] [--days N]
    python -m core report  --workspace DB [--cap 3] [--as-of DATE]
    python -m core plan    --workspace DB [--cap 3] [--keep GROUP]... [--dissolve GROUP]...
                           [--never-merge G1 G2]... [--stay PERSON GROUP]... [--no-substitutes]
                           [--xlsx OUT] [--docx OUT] [--township NAME] [--pseudonyms]

Every command prints JSON (one object per line for ``import``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any, Callable

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


def _print_from_workspace(args: argparse.Namespace, make: Callable[[Workspace], Any]) -> int:
    """Print ``make(workspace)`` as JSON; exit 2 with a Chinese message when the workspace file
    does not exist (it would otherwise be created empty) or the request is refused."""
    from core.plan.build import PlanError

    if not Path(args.workspace).is_file():
        print(f"找不到工作区文件「{args.workspace}」。请先用 import 命令导入数据。", file=sys.stderr)
        return 2
    ws = Workspace(args.workspace)
    try:
        _print(make(ws))
    except PlanError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    finally:
        ws.close()
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from core.analysis.base import Scope
    from core.analysis.report import build

    return _print_from_workspace(args, lambda ws: build(ws, Scope(as_of=args.as_of), cap=args.cap))


def _cmd_plan(args: argparse.Namespace) -> int:
    from core.analysis.base import Scope
    from core.plan.build import build
    from core.plan.proposal import EXPORT_NAMES, export, person_names, pseudonymise_plan

    def make(ws: Workspace) -> Any:
        scope = Scope(as_of=args.as_of)
        kw = dict(cap=args.cap, keep=tuple(args.keep), dissolve=tuple(args.dissolve),
                  never_merge=tuple(tuple(pair) for pair in args.never_merge),
                  stay=tuple(tuple(pair) for pair in args.stay), substitutes=not args.no_substitutes)
        plan = build(ws, scope, **kw)
        for kind, out in (("xlsx", args.xlsx), ("docx", args.docx)):
            if out:
                data = export(ws, scope, kind, township=args.township, pseudonyms=args.pseudonyms, **kw)
                Path(out).write_bytes(data)
                ws.record("export", f"命令行导出{EXPORT_NAMES[kind]}「{Path(out).name}」"
                          + ("（已化名）" if args.pseudonyms else ""), hashlib.sha256(data).hexdigest())
        return pseudonymise_plan(plan, person_names(ws)) if args.pseudonyms else plan

    return _print_from_workspace(args, make)


def _cmd_sample(args: argparse.Namespace) -> int:
    from core.sample import generate

    manifest = generate(Path(args.out), seed=args.seed, days=args.days)
    _print(manifest)
    return 0


def _date(text: str) -> "dt.date":
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期「{text}」无法识别，请写成 2026-05-30 这样的格式") from None


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

    p = sub.add_parser("report", help="分析报告（一个 JSON 对象）")
    p.add_argument("--workspace", default=str(DEFAULT_PATH))
    p.add_argument("--cap", type=int, default=None, help="每人最多群数（默认取工作区设置，3）")
    p.add_argument("--as-of", type=_date, default=None, help="分析日期 YYYY-MM-DD（默认最新一条消息的时间）")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("plan", help="整合方案：合并、解散与每人最多 K 个群（一个 JSON 对象）")
    p.add_argument("--workspace", default=str(DEFAULT_PATH))
    p.add_argument("--cap", type=int, default=None, help="每人最多群数（默认取工作区设置，3）")
    p.add_argument("--keep", action="append", default=[], metavar="GROUP", help="必须保留的群（可重复）")
    p.add_argument("--dissolve", action="append", default=[], metavar="GROUP", help="要解散的群（可重复）")
    p.add_argument("--never-merge", nargs=2, action="append", default=[], metavar=("GROUP", "GROUP"),
                   help="这两个群不要合并（可重复）")
    p.add_argument("--stay", nargs=2, action="append", default=[], metavar=("PERSON", "GROUP"),
                   help="此人必须留在此群（可重复）")
    p.add_argument("--no-substitutes", action="store_true", help="不允许由本单位其他干部接替")
    p.add_argument("--as-of", type=_date, default=None, help="分析日期 YYYY-MM-DD（默认最新一条消息的时间）")
    p.add_argument("--xlsx", default=None, metavar="OUT", help="同时把方案写成 Excel 文件")
    p.add_argument("--docx", default=None, metavar="OUT", help="同时把方案写成 Word 文件")
    p.add_argument("--township", default="", help="单位名称（写在 Word/Excel 方案里）")
    p.add_argument("--pseudonyms", action="store_true", help="所有输出用代号（干部001……）替换姓名")
    p.set_defaults(func=_cmd_plan)

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

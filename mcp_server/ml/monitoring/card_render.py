"""A `Card` as Markdown (plots beside it as PNG files) and as one self-contained HTML file (plots
inline as base64, inline CSS, no script, nothing fetched).

Text keeps the user's words: a SPEC's inline code (`had_affair`) stays a code span, labels and
column names are written as they are. What could become markup is neutralised for the format it
lands in: HTML is escaped in both (no raw tags reach a Markdown renderer), `|` in table cells, and
the HTML page turns backtick spans into `<code>`."""

from __future__ import annotations

import base64
import html
import re

from mcp_server.ml.monitoring.card import Card

CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:2rem auto;max-width:60rem;
color:#1b1f24;background:#fff;line-height:1.45}
h1{font-size:1.6rem;border-bottom:3px solid #2f6fdf;padding-bottom:.4rem}
h2{font-size:1.2rem;margin-top:1.8rem;color:#2f6fdf}
table{border-collapse:collapse;margin:.6rem 0}
th,td{border:1px solid #c9d1d9;padding:.3rem .7rem;text-align:left}
th{background:#eef3fc}
figure{display:inline-block;margin:.5rem 1rem .5rem 0}
figcaption{font-size:.85rem;color:#57606a}
img{max-width:28rem;border:1px solid #d0d7de}
.fail{color:#b42318;font-weight:600}
.pass{color:#1a7f37;font-weight:600}
code{background:#f3f4f6;padding:0 .2rem;border-radius:3px}
"""


_CODE = re.compile(r"`([^`\n]+)`")


def _md_text(text: str) -> str:
    """One line of Markdown in the user's words: no raw HTML (`<` cannot open a tag), no line
    breaks."""
    return " ".join(text.split()).replace("<", "&lt;")


def _md_cell(text: str) -> str:
    return _md_text(text).replace("|", "\\|")


def _html_text(text: str) -> str:
    """Escaped text whose backtick spans become `<code>`."""
    return _CODE.sub(r"<code>\1</code>", html.escape(text))


def _md_table(table: list[list[str]]) -> list[str]:
    header, *rows = table
    lines = ["", "| " + " | ".join(map(_md_cell, header)) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(map(_md_cell, row)) + " |" for row in rows]


def to_markdown(card: Card) -> str:
    parts = [f"# {_md_text(card.title)}", ""]
    for section in card.sections:
        parts += [f"## {section.title}", ""]
        parts += [f"- {_md_text(line)}" for line in section.lines]
        for table in [section.table, *section.tables]:
            parts += _md_table(table) if table else []
        for caption, name in section.images:
            parts += ["", f"![{_md_text(caption)}]({name})"]
        parts.append("")
    return "\n".join(parts)


def _cell(text: str) -> str:
    css = {"pass": "pass", "FAIL": "fail"}.get(text)
    body = html.escape(text)
    return f'<td class="{css}">{body}</td>' if css else f"<td>{body}</td>"


def _html_table(table: list[list[str]]) -> str:
    header, *rows = table
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(map(_cell, r)) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def to_html(card: Card) -> str:
    out = [
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html.escape(card.title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{html.escape(card.title)}</h1>",
    ]
    for section in card.sections:
        out.append(f"<section><h2>{html.escape(section.title)}</h2>")
        if section.lines:
            out.append(
                "<ul>" + "".join(f"<li>{_html_text(line)}</li>" for line in section.lines) + "</ul>"
            )
        out += [_html_table(table) for table in [section.table, *section.tables] if table]
        for caption, name in section.images:
            data = base64.b64encode(card.images[name]).decode()
            out.append(
                f'<figure><img alt="{html.escape(caption)}" src="data:image/png;base64,{data}">'
                f"<figcaption>{html.escape(caption)}</figcaption></figure>"
            )
        out.append("</section>")
    out.append("</body></html>\n")
    return "\n".join(out)

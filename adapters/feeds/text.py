"""Item HTML -> plain text (pure). Only text leaves here: nothing is ever rendered as HTML."""

from __future__ import annotations

from html.parser import HTMLParser

TEXT_LIMIT = 400  # characters of title + body kept: the tracker stores a 500-char excerpt at most


class _TextOnly(HTMLParser):
    BLOCKS = {"p", "div", "br", "li", "ul", "ol", "pre", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "aside"}
    SKIP = {"script", "style", "template"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skipping += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(f"[{alt}]")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self._skipping:
            self._skipping -= 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(html: str, limit: int = TEXT_LIMIT) -> str:
    """Visible text of an HTML fragment, whitespace tidied, cut at ``limit`` characters."""
    parser = _TextOnly()
    try:
        parser.feed(html or "")
        parser.close()
    except Exception:  # html.parser is lenient; this is belt and braces for odd input
        return ""
    lines = [" ".join(line.split()) for line in "".join(parser.parts).splitlines()]
    text = "\n".join(line for line in lines if line)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"

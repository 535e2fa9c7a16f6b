"""sasl.jaas.config read as the Java client reads it, with the same errors.

The Java client splits the value with java.io.StreamTokenizer (its default syntax, plus `-`, `_` and `$` as word
characters and both `//` and `/* */` comments) into `<LoginModuleClass> <controlFlag> (<key>=<value>)* ;` entries
and needs exactly one entry. The tokenizer's quirks are kept on purpose so that what Java rejects kcli rejects
too, with Java's message: a value that is a bare number (`password=123`) or starts with a character that is no
word character (`password=p@ss`) is "not specified", an unterminated quote ends at the end of the line, a lone `/`
starts a comment. Quoted strings (`"…"` or `'…'`) take the C escapes `\\n \\t \\" \\\\ \\123` and so on.
"""

from __future__ import annotations

from typing import NamedTuple

from kcli.errors import ConfigError

KEY = "sasl.jaas.config"

_EOF = -1
_NUMBER = -2
_WORD = -3

_CONTROL_FLAGS = ("REQUIRED", "REQUISITE", "SUFFICIENT", "OPTIONAL")
# Apache refuses these unless a JVM system property allows them (JaasUtils); kcli has no such switch.
_NOT_ALLOWED = frozenset({"com.sun.security.auth.module.JndiLoginModule",
                          "com.sun.security.auth.module.LdapLoginModule"})
_ESCAPES = {"a": 0x7, "b": 0x8, "f": 0xC, "n": 0xA, "r": 0xD, "t": 0x9, "v": 0xB}


class JaasEntry(NamedTuple):
    """One login module entry: its class, control flag (lower case) and options."""

    module: str
    flag: str
    options: dict[str | None, str]  # a key can be null, as in Java: `k=v = x` is k=v and null=x


class JaasSyntaxError(ValueError):
    """The value is no JAAS configuration the Java client accepts; the message is the Java client's."""


def _is_digit(c: int) -> bool:
    return 0x30 <= c <= 0x39


def _is_number_start(c: int) -> bool:
    return _is_digit(c) or c in (0x2E, 0x2D)  # `.` and `-`


def _is_word(c: int) -> bool:
    """A word character (letters, 160-255 and everything above 255, `-`, `_`, `$`)."""
    return (0x61 <= c <= 0x7A or 0x41 <= c <= 0x5A or 160 <= c <= 255 or c > 255
            or c in (0x2D, 0x5F, 0x24))


def _is_octal(c: int) -> bool:
    return 0x30 <= c <= 0x37


class _Tokenizer:
    """The tokens of java.io.StreamTokenizer as JaasConfig configures it (ttype and sval, Java's names)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.peekc: int | None = None  # a character read ahead, or None: read the next one
        self.ttype = _EOF
        self.sval: str | None = None

    def _read(self) -> int:
        if self.pos >= len(self.text):
            return -1
        self.pos += 1
        return ord(self.text[self.pos - 1])

    def _read_to_line_end(self) -> int:
        c = self._read()
        while c not in (0x0A, 0x0D) and c >= 0:
            c = self._read()
        return c

    def next(self) -> int:
        self.sval = None
        self.ttype = self._next()
        return self.ttype

    def _next(self) -> int:
        while True:
            c = self.peekc if self.peekc is not None and self.peekc >= 0 else self._read()
            self.peekc = None
            while 0 <= c <= 0x20:  # whitespace
                c = self._read()
            if c < 0:
                return _EOF
            if _is_number_start(c):
                return self._number(c)
            if _is_word(c):
                chars = []
                while c >= 0 and (_is_word(c) or _is_number_start(c)):
                    chars.append(chr(c))
                    c = self._read()
                self.peekc = c
                self.sval = "".join(chars)
                return _WORD
            if c in (0x22, 0x27):  # " and '
                return self._quoted(c)
            if c == 0x2F:  # `/`: `/* … */`, `// …` and, `/` being the comment character, `/…` to the line end
                c = self._read()
                if c == 0x2A:
                    if not self._skip_block_comment():
                        return _EOF
                else:  # the character after the `/` is skipped unread, even a line break
                    self.peekc = self._read_to_line_end()
                continue
            return c  # an ordinary character is its own token

    def _number(self, c: int) -> int:
        if c == 0x2D:  # `-` not followed by a digit or `.` is an ordinary character
            c = self._read()
            if c != 0x2E and not _is_digit(c):
                self.peekc = c
                return 0x2D
        seen_dot = False
        while True:
            if c == 0x2E and not seen_dot:
                seen_dot = True
            elif not _is_digit(c):
                break
            c = self._read()
        self.peekc = c
        return _NUMBER

    def _skip_block_comment(self) -> bool:
        """Skip to the closing `*/`; False at the end of the text. (The character after a line break is never
        taken as the comment's closing `/`, as in Java.)"""
        prev = 0
        while True:
            c = self._read()
            if c == 0x2F and prev == 0x2A:
                return True
            if c == 0x0D:
                c = self._read()
                if c == 0x0A:
                    c = self._read()
            elif c == 0x0A:
                c = self._read()
            if c < 0:
                return False
            prev = c

    def _quoted(self, quote: int) -> int:
        chars: list[str] = []
        d = self._read()
        while d >= 0 and d != quote and d not in (0x0A, 0x0D):
            if d == 0x5C:  # backslash
                c = self._read()
                first = c
                if _is_octal(c):
                    c -= 0x30
                    c2 = self._read()
                    if _is_octal(c2):
                        c = (c << 3) + (c2 - 0x30)
                        c2 = self._read()
                        if _is_octal(c2) and first <= 0x33:
                            c = (c << 3) + (c2 - 0x30)
                            d = self._read()
                        else:
                            d = c2
                    else:
                        d = c2
                else:
                    c = _ESCAPES.get(chr(c), c) if c >= 0 else 0xFFFF  # Java keeps a backslash at the end as \uffff
                    d = self._read()
            else:
                c = d
                d = self._read()
            chars.append(chr(c))
        self.peekc = None if d == quote else d
        self.sval = "".join(chars)
        return quote


def _entry(tokens: _Tokenizer) -> JaasEntry:
    module = tokens.sval
    if tokens.next() == _EOF:
        raise JaasSyntaxError("Login module control flag not specified in JAAS config")
    flag = tokens.sval
    if flag is None:
        raise JaasSyntaxError("Login module control flag is not available in the JAAS config")
    if flag.upper() not in _CONTROL_FLAGS:
        raise JaasSyntaxError(f"Invalid login module control flag '{flag}' in JAAS config")
    options: dict[str | None, str] = {}
    while tokens.next() != _EOF and tokens.ttype != ord(";"):
        key = tokens.sval
        if tokens.next() != ord("=") or tokens.next() == _EOF or tokens.sval is None:
            shown = "null" if key is None else key  # as Java prints it: `p@ss` is the value `p`, then the key null
            raise JaasSyntaxError(f"Value not specified for key '{shown}' in JAAS config")
        options[key] = tokens.sval
    if tokens.ttype != ord(";"):
        raise JaasSyntaxError("JAAS config entry not terminated by semi-colon")
    if not module:  # Java: AppConfigurationEntry's IllegalArgumentException, which has no message
        raise JaasSyntaxError("Login module class not specified in JAAS config")
    return JaasEntry(module, flag.upper().lower(), options)


def parse_entries(value: str) -> list[JaasEntry]:
    """Every entry of a JAAS configuration (Apache's JaasConfig); raise JaasSyntaxError with Java's message."""
    tokens = _Tokenizer(value)
    entries = []
    while tokens.next() != _EOF:
        entries.append(_entry(tokens))
    if not entries:
        raise JaasSyntaxError("Login module not specified in JAAS config")
    return entries


def _java_trim(text: str) -> str:
    return text.strip("".join(map(chr, range(0x21))))


def parse_client_entry(value: str) -> JaasEntry:
    """The one login module of a client's sasl.jaas.config, checked as Apache's JaasContext checks it."""
    entries = parse_entries(_java_trim(value))
    if len(entries) != 1:
        raise JaasSyntaxError(f"JAAS config property contains {len(entries)} login modules, should be 1 module")
    name = _java_trim(entries[0].module)
    if name in _NOT_ALLOWED:
        raise JaasSyntaxError(f"{name} is not allowed")
    return entries[0]


def parse_jaas(value: str) -> tuple[str, dict[str | None, str]]:
    """The login module class and options of a sasl.jaas.config value; ConfigError naming the key."""
    try:
        entry = parse_client_entry(value)
    except JaasSyntaxError as exc:
        raise ConfigError(f"{exc} (key '{KEY}')") from None
    return entry.module, entry.options

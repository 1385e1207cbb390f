"""Reading a REFI-QDA codebook someone uploads: a .qdc file, or the codebook inside a .qdpx.

The file comes from outside, so it is read defensively: a size limit on the upload and on what
a zip unpacks to (a small zip can unpack to gigabytes), no document type declarations at all (so
no entity can expand or fetch anything), a limit on how many codes and how deep they nest, and
every name and description checked as the codebook page checks them. Any problem refuses the
whole file with a message that says what to do.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
import zipfile
from typing import NoReturn
from xml.parsers import expat

from meaningful.coding.codebook_services import DESCRIPTION_LENGTH, NAME_LENGTH
from meaningful.coding.exchange.refi import CODEBOOK_NS, PROJECT_NS, CodeNode
from meaningful.errors import InvalidInput
from meaningful.text import text_problems

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_UNPACKED_BYTES = 20 * 1024 * 1024  # project.qde once unzipped
MAX_ZIP_ENTRIES = 20_000
MAX_CODES = 5_000
MAX_DEPTH = 20
MAX_PROBLEMS = 10  # listed in one message; more are counted
WHAT_TO_SEND = (
    "Export the codebook from your analysis tool as a REFI-QDA codebook (.qdc), or export "
    "the project as a REFI-QDA project (.qdpx), and upload that file."
)


class CodebookFileProblem(InvalidInput):
    """The uploaded file cannot be read as a REFI-QDA codebook; nothing was imported."""

    def __init__(self, message: str) -> None:
        super().__init__({"file": message})
        self.message = message


def refuse(message: str) -> NoReturn:
    raise CodebookFileProblem(message)


def _refuse_declarations(*_: object) -> NoReturn:
    refuse(
        "The file declares a document type or entities, which a REFI-QDA file never needs and "
        f"which are refused for safety. {WHAT_TO_SEND}"
    )


def safe_xml(content: bytes) -> ET.Element:
    """Parse XML with no document type declaration allowed; refuse anything else clearly."""
    checker = expat.ParserCreate()
    checker.StartDoctypeDeclHandler = _refuse_declarations
    checker.EntityDeclHandler = _refuse_declarations
    checker.ExternalEntityRefHandler = _refuse_declarations
    try:
        checker.Parse(content, True)
        # Safe: the pass above refused any document type declaration, so no entity remains.
        return ET.fromstring(content)  # noqa: S314
    except (expat.ExpatError, ET.ParseError) as error:
        raise CodebookFileProblem(
            f"The file is not well-formed XML ({error}). {WHAT_TO_SEND}"
        ) from error


def _project_document(content: bytes) -> bytes:
    """The project.qde inside a .qdpx, unpacked with limits."""
    try:
        pack = zipfile.ZipFile(io.BytesIO(content))
        entries = pack.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise CodebookFileProblem(
            f"The file looks like a zip archive but cannot be opened. {WHAT_TO_SEND}"
        ) from error
    if len(entries) > MAX_ZIP_ENTRIES:
        refuse(f"The project holds more than {MAX_ZIP_ENTRIES:,} files. {WHAT_TO_SEND}")
    found = [e for e in entries if e.filename.lower() == "project.qde"]
    if not found:
        refuse(
            "The zip archive holds no project.qde, so it is not a REFI-QDA project. " + WHAT_TO_SEND
        )
    too_big = (
        f"The project's project.qde unpacks to more than {MAX_UNPACKED_BYTES // 2**20} MB. "
        "Export the codebook alone as a .qdc file and upload that."
    )
    if found[0].file_size > MAX_UNPACKED_BYTES:
        refuse(too_big)
    try:
        with pack.open(found[0]) as member:
            document = member.read(MAX_UNPACKED_BYTES + 1)  # the stated size may lie
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError) as error:
        raise CodebookFileProblem(
            f"The project.qde inside the archive cannot be unpacked ({error}). {WHAT_TO_SEND}"
        ) from error
    if len(document) > MAX_UNPACKED_BYTES:
        refuse(too_big)
    return document


class _Reader:
    """Walks the <Code> tree, collecting problems rather than stopping at the first."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self.problems: list[str] = []
        self.seen = 0

    def problem(self, message: str) -> None:
        self.problems.append(message)

    def codes(self, parent: ET.Element, depth: int, path: str) -> list[CodeNode]:
        found = []
        for element in parent.findall(f"{{{self.namespace}}}Code"):
            self.seen += 1
            if self.seen > MAX_CODES:
                refuse(f"The codebook holds more than {MAX_CODES:,} codes; split it in parts.")
            if depth > MAX_DEPTH:
                refuse(f"Codes nest more than {MAX_DEPTH} deep; flatten the codebook first.")
            found.append(self.code(element, depth, path))
        return found

    def code(self, element: ET.Element, depth: int, path: str) -> CodeNode:
        name = " ".join((element.get("name") or "").split())
        where = f"under {path!r}" if path else "at the top"
        if not name:
            self.problem(f"A code {where} (code number {self.seen}) has no name; name it.")
        elif problem := text_problems({"name": name}, limit=NAME_LENGTH).get("name"):
            self.problem(f"The name of code {name[:60]!r}: {problem}")
        described = element.find(f"{{{self.namespace}}}Description")
        description = (described.text or "").strip() if described is not None else ""
        if problem := text_problems({"d": description}, limit=DESCRIPTION_LENGTH).get("d"):
            self.problem(f"The description of code {name[:60]!r}: {problem}")
        node = CodeNode(
            name=name,
            description=description,
            guid=element.get("guid", ""),
            codable=element.get("isCodable", "true").strip().lower() not in {"false", "0"},
        )
        node.children = self.codes(element, depth + 1, name or "a code with no name")
        return node


def read_codebook_file(content: bytes) -> list[CodeNode]:
    """The codes of an uploaded .qdc or .qdpx, nested as in the file; CodebookFileProblem for a
    file that is too large, not XML, not REFI-QDA, or holds codes that cannot be stored."""
    if len(content) > MAX_UPLOAD_BYTES:
        refuse(
            f"The file is larger than {MAX_UPLOAD_BYTES // 2**20} MB. Export the codebook alone "
            "as a .qdc file, which is much smaller, and upload that."
        )
    if not content.strip():
        refuse(f"The file is empty. {WHAT_TO_SEND}")
    if content.startswith(b"PK"):
        content = _project_document(content)
    root = safe_xml(content)
    if root.tag == f"{{{CODEBOOK_NS}}}CodeBook":
        namespace, book = CODEBOOK_NS, root
    elif root.tag == f"{{{PROJECT_NS}}}Project":
        namespace = PROJECT_NS
        found = root.find(f"{{{PROJECT_NS}}}CodeBook")
        if found is None:
            refuse("The project holds no codebook. Export a project that has codes.")
        book = found
    else:
        refuse(
            f"The file is XML but not a REFI-QDA codebook or project: its root element is "
            f"{root.tag!r}, where <CodeBook> in namespace {CODEBOOK_NS} or <Project> in "
            f"namespace {PROJECT_NS} was expected. {WHAT_TO_SEND}"
        )
    codes = book.find(f"{{{namespace}}}Codes")
    if codes is None:
        refuse("The codebook has no <Codes> element, so there is nothing to import.")
    reader = _Reader(namespace)
    nodes = reader.codes(codes, 0, "")
    if reader.problems:
        listed = reader.problems[:MAX_PROBLEMS]
        more = len(reader.problems) - len(listed)
        tail = f" And {more} more problems." if more else ""
        refuse(
            "Nothing was imported. Correct these in your analysis tool and export again: "
            + " ".join(listed)
            + tail
        )
    if not nodes:
        refuse("The codebook holds no codes, so there is nothing to import.")
    return nodes

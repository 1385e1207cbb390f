"""The pieces of the REFI-QDA format we write and read: namespaces, identifiers, the code tree.

Identifiers are stable: the same code, text or coder gets the same GUID in every export, so a
tool that merges two exports sees the same things. They are keyed hashes, so they say nothing
about the database ids behind them.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_NS = "urn:QDA-XML:project:1.0"
SCHEMAS = Path(__file__).parent / "schemas"
CODEBOOK_SCHEMA = SCHEMAS / "codebook.xsd"
PROJECT_SCHEMA = SCHEMAS / "project.xsd"
OUTCOME_COLOUR = "#1D70B8"
THEME_COLOUR = "#00703C"


def stable_guid(kind: str, key: object) -> str:
    """A GUID for one thing of one kind, the same in every export, revealing nothing of ``key``."""
    secret = (settings.PSEUDONYM_KEY or settings.SECRET_KEY).encode()
    digest = hmac.new(secret, f"refi:{kind}:{key}".encode(), hashlib.sha256).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def xml_datetime(moment: datetime | None) -> str:
    """A moment as an XML Schema dateTime in UTC (seconds, with a Z)."""
    moment = moment or timezone.now()
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class CodeNode:
    """A code as exchanged: its name, description, whether it may be applied, what nests in it."""

    name: str
    description: str = ""
    guid: str = ""
    codable: bool = True
    colour: str = ""
    note_guids: list[str] = field(default_factory=list)
    children: list[CodeNode] = field(default_factory=list)

    def count(self) -> int:
        """How many codes this one holds, itself included."""
        return 1 + sum(child.count() for child in self.children)


def code_element(parent: ET.Element, node: CodeNode, namespace: str) -> ET.Element:
    """Append a <Code> for the node and its children, in the order the schemas ask for."""
    attributes = {
        "guid": node.guid,
        "name": node.name,
        "isCodable": "true" if node.codable else "false",
    }
    if node.colour:
        attributes["color"] = node.colour
    element = ET.SubElement(parent, "Code", attributes)
    if node.description:
        ET.SubElement(element, "Description").text = node.description
    if namespace == PROJECT_NS:  # a codebook file has no notes
        for guid in node.note_guids:
            ET.SubElement(element, "NoteRef", {"targetGUID": guid})
    for child in node.children:
        code_element(element, child, namespace)
    return element


def to_bytes(root: ET.Element, namespace: str) -> bytes:
    """The document as UTF-8 with a declaration, the REFI-QDA namespace as the default one."""
    ET.indent(root, space="  ")
    root.set("xmlns", namespace)  # elements are built unqualified, in this default namespace
    written: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return written

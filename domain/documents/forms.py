"""Form templates: what a form may name, reading the placeholders of a .docx, filling it in."""

from __future__ import annotations

import functools
import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import docx
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError, meta, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

from domain.kernel.errors import InvalidInput
from domain.kernel.timefmt import format_local, zone
from domain.models import Booking, Client, DocumentTemplate, Provider, Service, occupied_span

MAX_TEMPLATE_BYTES = 5 * 1024 * 1024
# A .docx is a zip: a small file may unpack into gigabytes, so its unpacked size is limited too.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
XML_TRIPS = {"unexpected '<'", "unexpected '/'", "unexpected char '<'"}
# Sample values for the intake fields the demo and sample worlds ask for; others get a label.
SAMPLE_CLIENT_DETAILS = {
    "date_of_birth": "1990-04-12",
    "insurance_number": "A123456789",
    "address": "Gartenstrasse 12, 10115 Berlin",
}


def form_context(
    *, client: Client, booking: Booking, service: Service, provider: Provider
) -> dict[str, Any]:
    """Return what a form may name: client (with profile fields), service, provider, booking.

    This is the one list of form fields: uploads are checked against it (`form_fields`).
    """
    tz = zone(provider.timezone)
    return {
        "client": {
            **client.profile,
            **booking.intake,
            "name": client.name,
            "phone": client.phone or "",
            "email": client.email or "",
        },
        "service": {
            "name": service.name,
            "price": service.price,
            "currency": service.currency,
            "duration_min": service.duration_min,
        },
        "provider": {"name": provider.name, "location": provider.location, "kind": provider.kind},
        "booking": {
            "id": booking.id,
            "start": format_local(booking.starts_at, tz),
            "end": format_local(booking.ends_at, tz),
        },
    }


def sample_form_context(intake_fields: Iterable[str]) -> dict[str, Any]:
    """Return the context of a made-up booking whose client gave every intake field named."""
    starts = datetime(2026, 3, 3, 13, 30, tzinfo=UTC)
    details = {
        field: SAMPLE_CLIENT_DETAILS.get(field, f"{field.replace('_', ' ').capitalize()} (sample)")
        for field in intake_fields
    }
    client = Client(
        id="sample-client",
        name="Alex Sample",
        phone="+49 30 1234567",
        email="alex.sample@example.org",
        profile=details,
        created_at=starts,
    )
    service = Service(
        id="sample-service",
        name="Dermatology consultation",
        duration_min=30,
        price="80.00",
        currency="EUR",
    )
    provider = Provider(
        id="sample-provider",
        name="Dr. Anna Weber",
        kind="doctor",
        location="Berlin Mitte",
        timezone="Europe/Berlin",
    )
    ends, blocked_until = occupied_span(starts, duration_min=30, buffer_min=0)
    booking = Booking(
        id="sample-booking",
        client_id=client.id,
        provider_id=provider.id,
        service_id=service.id,
        starts_at=starts,
        ends_at=ends,
        blocked_until=blocked_until,
        created_at=starts,
        updated_at=starts,
    )
    return form_context(client=client, booking=booking, service=service, provider=provider)


def form_fields(intake_fields: Iterable[str]) -> frozenset[str]:
    """Return every placeholder a form may use (`client.name`, `booking.start`, …)."""
    context = sample_form_context(intake_fields)
    return frozenset(f"{group}.{name}" for group, values in context.items() for name in values)


def form_environment() -> SandboxedEnvironment:
    # Sandboxed: a template is an uploaded file, and jinja can otherwise reach Python internals.
    # StrictUndefined: a blank where a date of birth belongs is worse than no form at all.
    # autoescape: client-typed text must not be able to inject Word XML.
    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=True)


def template_document(template: DocumentTemplate) -> bytes:
    """Return the template as .docx bytes; paragraph templates become one paragraph each."""
    if template.docx is not None:
        return template.docx
    return paragraphs_document(tuple(template.paragraphs))


@functools.lru_cache(maxsize=64)
def paragraphs_document(paragraphs: tuple[str, ...]) -> bytes:
    """Return a .docx of one paragraph each; kept, as lists show every template's size."""
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def render_form(template: DocumentTemplate, context: dict[str, Any]) -> bytes:
    """Fill a template with the booking's data; a field it names that we lack is refused by name."""
    try:
        return _filled(template_document(template), context)
    except UndefinedError as exc:
        raise InvalidInput(
            f"The form '{template.name}' needs data we do not have: {exc.message}"
        ) from exc


def unfillable(placeholders: Iterable[str], *, intake_fields: Iterable[str]) -> list[str]:
    """Return the placeholders a form lacks when its service asks these intake fields, sorted."""
    return sorted(set(placeholders) - form_fields(intake_fields))


@dataclass(frozen=True)
class CheckedTemplate:
    placeholders: list[str]
    sample: bytes  # the template filled with a made-up booking


def check_form_template(content: bytes, *, intake_fields: Iterable[str]) -> CheckedTemplate:
    """Accept a .docx whose jinja parses, names only fields a form has and fills in; else say why.

    `intake_fields` are those services ask clients for: a form may name them on `client`.
    """
    fields = list(intake_fields)
    placeholders = placeholders_of(content)
    unknown = unfillable(placeholders, intake_fields=fields)
    if unknown:
        raise InvalidInput(
            "The template names fields a form does not have: "
            f"{', '.join(unknown)}. A form may use: {', '.join(sorted(form_fields(fields)))}.",
            field="file",
        )
    try:
        sample = _filled(content, sample_form_context(fields))
    except Exception as exc:  # the file came from outside: what breaks in filling it is its own
        raise InvalidInput(
            f"The template could not be filled with sample data: {_fill_problem(exc)}",
            field="file",
        ) from exc
    return CheckedTemplate(placeholders=placeholders, sample=sample)


def placeholders_of(content: bytes) -> list[str]:
    """Return the fields a .docx template names, such as `client.name`, sorted."""
    environment = form_environment()
    named: set[str] = set()
    for part, source in _jinja_sources(content):
        try:
            # Reading the names compiles the template, which finds unknown filters and tests.
            named |= _names_in(environment.parse(source)) - set(environment.globals)
        except TemplateSyntaxError as exc:
            raise InvalidInput(_syntax_problem(part, source, exc), field="file") from exc
    return sorted(named)


def _names_in(tree: nodes.Template) -> set[str]:
    """Names read from the context: `group.field` when a field is read from them, else `name`."""
    free = meta.find_undeclared_variables(tree)
    dotted: set[str] = set()
    qualified: set[str] = set()
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        read_from, field = _field_read(node)
        if isinstance(read_from, nodes.Name) and read_from.name in free and field is not None:
            dotted.add(f"{read_from.name}.{field}")
            qualified.add(read_from.name)
    return dotted | (free - qualified)


def _field_read(node: nodes.Node) -> tuple[nodes.Node | None, str | None]:
    """What `x.field` or `x["field"]` reads from, and the field; None for a computed key."""
    if isinstance(node, nodes.Getattr):
        return node.node, node.attr
    if isinstance(node, nodes.Getitem):
        key = node.arg.value if isinstance(node.arg, nodes.Const) else None
        return node.node, key if isinstance(key, str) else None
    return None, None


def _jinja_sources(content: bytes) -> list[tuple[str, str]]:
    """Return the jinja source docxtpl renders from each part, one paragraph per line."""
    _require_docx(content)
    template = DocxTemplate(io.BytesIO(content))
    try:
        template.init_docx()
        parts = [("body", template.get_xml())]
        for part_name, uri in (("header", template.HEADER_URI), ("footer", template.FOOTER_URI)):
            parts += [
                (part_name, template.get_part_xml(p)) for _, p in template.get_headers_footers(uri)
            ]
        sources = [(name, template.patch_xml(xml)) for name, xml in parts]
    except Exception as exc:  # any parser's error: the file came from outside and is broken
        raise InvalidInput(
            "The file could not be read as a Word document (.docx).", field="file"
        ) from exc
    # The same line breaks docxtpl puts in before rendering, so an error's line is a paragraph.
    return [(name, re.sub(r"<w:p([ >])", r"\n<w:p\1", source)) for name, source in sources]


def _require_docx(content: bytes) -> None:
    if len(content) > MAX_TEMPLATE_BYTES:
        raise InvalidInput(
            f"The file is {len(content) / 1_048_576:.1f} MB; a template may be up to "
            f"{MAX_TEMPLATE_BYTES // 1_048_576} MB.",
            field="file",
        )
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            entries = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise InvalidInput("The file is not a Word document (.docx).", field="file") from exc
    if "word/document.xml" not in {e.filename for e in entries}:
        raise InvalidInput("The file is not a Word document (.docx).", field="file")
    if sum(e.file_size for e in entries) > MAX_UNPACKED_BYTES:
        raise InvalidInput("The document unpacks to more than 50 MB.", field="file")


def _syntax_problem(part: str, source: str, exc: TemplateSyntaxError) -> str:
    lines = source.splitlines()
    line = lines[exc.lineno - 1] if 0 < exc.lineno <= len(lines) else ""
    text = " ".join(re.sub(r"<[^>]+>", "", line).split())
    near = f' in the paragraph "{text[:120]}"' if text else ""
    # An unclosed {{ runs on into the Word XML that follows it, whose tags jinja trips over.
    hint = " (is a closing }} or %} missing?)" if exc.message in XML_TRIPS else ""
    return f"Template syntax error in the {part}{near}: {exc.message}{hint}"


def _fill_problem(exc: Exception) -> str:
    """Say what in a template could not be filled, without Python's names for it."""
    name = _read_name(exc) if isinstance(exc, TemplateError) else None
    if isinstance(exc, SecurityError):
        if name is None:
            return "it does something a form may not do."
        return f"it reads {name}, which a form may not read (names starting with _)."
    if isinstance(exc, UndefinedError):
        return f"it reads {name or 'a value'}, which the fields of a form do not have."
    return (
        "a calculation or filter in it does not work on a form's values; check what is "
        "inside {{ }} and {% %}."
    )


def _read_name(exc: TemplateError) -> str | None:
    """The name an undefined or unsafe read was for, quoted: jinja puts it in its message."""
    found = re.search(r"attribute ('[^']*')|element ('[^']*')|^('[^']*') is undefined", str(exc))
    return next((name for name in found.groups() if name), None) if found else None


def _filled(content: bytes, context: dict[str, Any]) -> bytes:
    document = DocxTemplate(io.BytesIO(content))
    document.render(context, jinja_env=form_environment())
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()

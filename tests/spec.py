"""Validate REST bodies against Discord's OpenAPI spec (../shared/discord-api-spec/openapi.json)."""

from __future__ import annotations

import copy
import functools
import json
import re
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).resolve().parents[2] / "shared" / "discord-api-spec" / "openapi.json"
MISSING = f"Discord's OpenAPI spec not found at {SPEC_PATH}"
_BASE = "urn:discord-openapi"


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


class SpecValidator:
    """Finds the operation for a request and validates its JSON body."""

    def __init__(self, spec: dict[str, Any]) -> None:
        from jsonschema import Draft202012Validator
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        spec = copy.deepcopy(spec)
        # The spec types snowflakes as strings; discord.py sends some as integers, which Discord accepts.
        spec["components"]["schemas"]["SnowflakeType"] = {
            "anyOf": [{"type": "string", "pattern": "^(0|[1-9][0-9]*)$"}, {"type": "integer", "minimum": 0}]
        }
        self.spec = spec
        self.registry = Registry().with_resource(_BASE, Resource.from_contents(spec, default_specification=DRAFT202012))
        self.validator_class = Draft202012Validator
        self.routes = []
        for template, operations in spec["paths"].items():
            segments = ["[^/]+" if seg.startswith("{") else re.escape(seg) for seg in template.split("/")]
            pattern = "^" + "/".join(segments) + "$"
            literal = sum(len(seg) for seg in template.split("/") if not seg.startswith("{"))
            self.routes.append((literal, re.compile(pattern), template, operations))
        self.routes.sort(key=lambda r: -r[0])

    def operation(self, method: str, path: str) -> tuple[str, dict[str, Any]] | None:
        for _literal, pattern, template, operations in self.routes:
            if pattern.match(path) and method.lower() in operations:
                return template, operations[method.lower()]
        return None

    @functools.cache  # noqa: B019 - one validator per operation, for the life of the test session
    def _validator(self, template: str, method: str) -> Any:
        ref = _pointer("paths", template, method, "requestBody", "content", "application/json", "schema")
        return self.validator_class({"$ref": f"{_BASE}#/{ref}"}, registry=self.registry)

    def errors(self, method: str, path: str, body: Any) -> list[str]:
        """Why ``body`` is not a valid request body for ``method path`` (empty when valid)."""
        found = self.operation(method, path)
        if found is None:
            return [f"{method} {path}: no such operation in Discord's OpenAPI spec"]
        template, operation = found
        content = operation.get("requestBody", {}).get("content", {})
        if body is None:
            return []
        if "application/json" not in content:
            return [f"{method} {template}: the spec takes no JSON body"]
        validator = self._validator(template, method.lower())
        return [f"{method} {template}: {e.json_path}: {e.message}" for e in validator.iter_errors(body)]


@functools.cache
def spec_validator() -> SpecValidator | None:
    """The validator, or ``None`` when the spec file is not there."""
    if not SPEC_PATH.is_file():
        return None
    return SpecValidator(json.loads(SPEC_PATH.read_text(encoding="utf-8")))

"""Chat-model configuration: a provider string, a GGUF path, or a dotted class path.

Nothing here is imported by the default install's code paths unless an LLM is configured,
so the default install needs no network and no API key.
"""

from __future__ import annotations

import importlib
import json
import os
import re

from .errors import ConfigError

_PROVIDERS = {
    # provider prefix -> (module, class, keyword for the model name)
    "openai": ("langchain_openai", "ChatOpenAI", "model"),
    "ollama": ("langchain_ollama", "ChatOllama", "model"),
    "anthropic": ("langchain_anthropic", "ChatAnthropic", "model"),
}


def load_chat_model(spec: str, **kwargs):
    """A langchain-core chat model from ``spec``.

    - ``openai:gpt-4o-mini`` / ``ollama:llama3`` / ``anthropic:claude-...``: the provider's
      langchain integration (install it yourself; an OpenAI-compatible server works through
      ``OPENAI_BASE_URL``);
    - a path ending in ``.gguf``: llama.cpp through ``langchain_community.chat_models.ChatLlamaCpp``;
    - ``package.module:ClassName`` or ``package.module.ClassName``: any ``BaseChatModel`` subclass,
      constructed with ``kwargs``.
    """
    if spec.endswith(".gguf"):
        if not os.path.exists(spec):
            raise ConfigError(f"GGUF model file {spec!r} does not exist")
        cls = _import(
            "langchain_community.chat_models", "ChatLlamaCpp", "pip install langchain-community llama-cpp-python"
        )
        return cls(model_path=spec, **kwargs)
    provider, _, name = spec.partition(":")
    if provider in _PROVIDERS and name:
        module, cls_name, key = _PROVIDERS[provider]
        cls = _import(module, cls_name, f"pip install {module.replace('_', '-')}")
        return cls(**{key: name}, **kwargs)
    module, sep, cls_name = spec.rpartition(":") if ":" in spec else spec.rpartition(".")
    if not sep or not module:
        raise ConfigError(
            f"cannot read LLM spec {spec!r}: use 'openai:MODEL', 'ollama:MODEL', a .gguf path, "
            "or 'package.module:ChatModelClass'"
        )
    cls = _import(module, cls_name, f"install the package that provides {module}")
    return cls(**kwargs)


def _import(module: str, name: str, hint: str):
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"cannot load chat model class {module}.{name}: {exc}; {hint}") from exc


def parse_number_list(text: object) -> set[int] | None:
    """The integers of the first JSON list in ``text``; None when there is none."""
    if not isinstance(text, str):
        return None
    match = re.search(r"\[[^\[\]]*\]", text)
    if not match:
        return None
    try:
        values = json.loads(match.group(0))
    except json.JSONDecodeError:
        return None
    return {int(v) for v in values if isinstance(v, (int, float)) or (isinstance(v, str) and v.isdigit())}

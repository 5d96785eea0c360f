"""The langchain-core adapter passes langchain-tests' standard retriever suite."""

from __future__ import annotations

import pytest
from langchain_tests.integration_tests import RetrieversIntegrationTests

from hippograph.retrieve.langchain import HippographRetriever


class TestHippographRetrieverStandard(RetrieversIntegrationTests):
    memory = None

    @pytest.fixture(scope="class", autouse=True)
    def _sample_memory(self, request, tmp_path_factory, embedder):
        """One memory over the bundled sample notes for the whole standard suite."""
        from conftest import SAMPLE

        from hippograph import Memory, Settings

        memory = Memory(Settings(store=f"sqlite:///{tmp_path_factory.mktemp('lc') / 'm.db'}"), embedder=embedder)
        memory.ingest([str(SAMPLE)])
        request.cls.memory = memory
        yield
        memory.close()

    @property
    def retriever_constructor(self) -> type[HippographRetriever]:
        return HippographRetriever

    @property
    def retriever_constructor_params(self) -> dict:
        return {"memory": type(self).memory}

    @property
    def retriever_query_example(self) -> str:
        return "Where was Pierre Curie born?"

    @property
    def num_results_arg_name(self) -> str:
        return "top_k"


def test_unknown_keyword_is_refused(embedder, tmp_path):
    from hippograph import Memory, Settings
    from hippograph.errors import ConfigError

    memory = Memory(Settings(store=f"sqlite:///{tmp_path / 'm.db'}"), embedder=embedder)
    with pytest.raises(ConfigError, match="k"):
        HippographRetriever(memory=memory).invoke("x", k=2)

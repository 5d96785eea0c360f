"""Every Cypher statement the Neo4j store runs (valid Neo4j 5; all data travels as parameters),
split by job: ``admin`` (labels, schema, migrations), ``changes`` (the change feed), ``writes``,
``reads``, ``mechanisms`` (recall strength, thoughts) and ``browser`` (what ``--explain-cypher``
prints). Everything is re-exported here, so callers write ``cypher.NAME``.

Labels and relationship types are only ever interpolated from the fixed sets in ``admin``, never
from data.
"""

from .admin import *  # noqa: F403
from .browser import *  # noqa: F403
from .changes import *  # noqa: F403
from .mechanisms import *  # noqa: F403
from .reads import *  # noqa: F403
from .writes import *  # noqa: F403

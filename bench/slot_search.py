"""placeholder"""
from bench.common import Figures, PostgresDatabases


def run(pg: PostgresDatabases | None) -> Figures:
    return {}

from __future__ import annotations

from pathlib import Path

import pytest

from service.errors import SettingsError
from service.settings import FLAT_NAMES, Settings


def test_settings_come_from_prefixed_variables_only() -> None:
    settings = Settings.from_env(
        {
            "CREDMATCH_DATA_DIR": "/srv/credmatch",
            "CREDMATCH_PORT": "9000",
            "CREDMATCH_MAPPING_THRESHOLD": "0.7",
            "CREDMATCH_DATABASE_ECHO": "yes",
            "CREDMATCH_COLOUR": "blue",
            "PORT": "1",
        }
    )
    assert settings.data_dir == Path("/srv/credmatch")
    assert settings.server.port == 9000
    assert settings.mapping.threshold == 0.7
    assert settings.database.echo is True
    assert settings.extra == {"CREDMATCH_COLOUR": "blue"}


def test_default_database_is_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.resolved_database_url == f"sqlite:///{tmp_path.resolve()}/credmatch.sqlite3"
    url = "postgresql+psycopg://u@h/db"
    assert Settings().replaced(database_url=url).resolved_database_url == url


def test_overrides_win_over_the_environment() -> None:
    settings = Settings.from_env({"CREDMATCH_PORT": "9000"}, port=7000)
    assert settings.server.port == 7000


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("CREDMATCH_PORT", "eighty", "CREDMATCH_PORT='eighty' is not a valid int"),
        (
            "CREDMATCH_DATABASE_ECHO",
            "perhaps",
            "CREDMATCH_DATABASE_ECHO='perhaps' is not a valid bool",
        ),
    ],
)
def test_bad_values_name_the_variable(name: str, value: str, message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({name: value})


def test_observability_and_rate_limit_settings() -> None:
    defaults = Settings()
    assert (defaults.server.log_format, defaults.server.metrics_enabled) == ("json", True)
    assert (defaults.limits.rate_limit_per_minute, defaults.limits.rate_limit_burst) == (600, 120)
    settings = Settings.from_env(
        {
            "CREDMATCH_LOG_FORMAT": "text",
            "CREDMATCH_METRICS_ENABLED": "false",
            "CREDMATCH_RATE_LIMIT_PER_MINUTE": "0",
            "CREDMATCH_RATE_LIMIT_BURST": "5",
        }
    )
    assert (settings.server.log_format, settings.server.metrics_enabled) == ("text", False)
    assert (settings.limits.rate_limit_per_minute, settings.limits.rate_limit_burst) == (0, 5)
    assert settings.extra == {}


def test_settings_come_in_groups_under_their_documented_variables(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "CREDMATCH_DATABASE_URL": "sqlite:///x.db",
            "CREDMATCH_EMBEDDING_BACKEND": "torch",
            "CREDMATCH_MAPPING_SPAN_THRESHOLD": "0.3",
            "CREDMATCH_RELATED_SKILL_THRESHOLD": "0.6",
            "CREDMATCH_DOCUMENTS_DIR": str(tmp_path),
            "CREDMATCH_FETCH_TIMEOUT_SECONDS": "2.5",
            "CREDMATCH_PRESENTATION_CHALLENGE_SECONDS": "60",
            "CREDMATCH_HOST": "0.0.0.0",
            "CREDMATCH_MAX_CREDENTIAL_BYTES": "1000",
        }
    )
    assert settings.database.url == "sqlite:///x.db"
    assert settings.embedding.backend == "torch"
    assert settings.mapping.span_threshold == 0.3
    assert settings.matching.related_skill_threshold == 0.6
    assert settings.fetch.documents_dir == tmp_path
    assert settings.fetch.timeout_seconds == 2.5
    assert settings.presentation.challenge_seconds == 60
    assert settings.server.host == "0.0.0.0"
    assert settings.limits.max_credential_bytes == 1000
    assert settings.extra == {}


def test_every_setting_keeps_one_variable_and_replaced_names_them() -> None:
    groups = [
        "database",
        "embedding",
        "mapping",
        "matching",
        "fetch",
        "presentation",
        "server",
        "limits",
        "bulk",
    ]
    assert sorted({group for group, _ in FLAT_NAMES.values()}) == sorted(groups)
    assert len(FLAT_NAMES) == len(set(FLAT_NAMES.values())) == 53
    changed = Settings().replaced(port=9, mapping_threshold=0.5, data_dir=Path("elsewhere"))
    assert (changed.server.port, changed.mapping.threshold) == (9, 0.5)
    assert changed.data_dir == Path("elsewhere")
    assert Settings().server.port == 8000  # frozen: the original is unchanged
    with pytest.raises(TypeError, match="no setting is called 'mapping_treshold'"):
        Settings().replaced(mapping_treshold=0.5)

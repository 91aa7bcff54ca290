from __future__ import annotations

from pathlib import Path

import pytest

from service.errors import SettingsError
from service.settings import Settings


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
    assert settings.port == 9000
    assert settings.mapping_threshold == 0.7
    assert settings.database_echo is True
    assert settings.extra == {"CREDMATCH_COLOUR": "blue"}


def test_default_database_is_sqlite_in_the_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.resolved_database_url == f"sqlite:///{tmp_path.resolve()}/credmatch.sqlite3"
    url = "postgresql+psycopg://u@h/db"
    assert Settings(database_url=url).resolved_database_url == url


def test_overrides_win_over_the_environment() -> None:
    settings = Settings.from_env({"CREDMATCH_PORT": "9000"}, port=7000)
    assert settings.port == 7000


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
    assert (defaults.log_format, defaults.metrics_enabled) == ("json", True)
    assert (defaults.rate_limit_per_minute, defaults.rate_limit_burst) == (600, 120)
    settings = Settings.from_env(
        {
            "CREDMATCH_LOG_FORMAT": "text",
            "CREDMATCH_METRICS_ENABLED": "false",
            "CREDMATCH_RATE_LIMIT_PER_MINUTE": "0",
            "CREDMATCH_RATE_LIMIT_BURST": "5",
        }
    )
    assert (settings.log_format, settings.metrics_enabled) == ("text", False)
    assert (settings.rate_limit_per_minute, settings.rate_limit_burst) == (0, 5)
    assert settings.extra == {}

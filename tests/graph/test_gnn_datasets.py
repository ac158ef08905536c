"""Planetoid loading: name resolution, data root resolution, the public split, clear missing-data errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from qgnas.graph.datasets import ENV_VAR, DatasetNotFound, data_root, load_planetoid, resolve_dataset


@pytest.mark.parametrize(
    "name, expected",
    [
        ("cora", "Cora"),
        ("CORA", "Cora"),
        ("CiteSeer", "CiteSeer"),
        ("citeseer", "CiteSeer"),
        (" PubMed ", "PubMed"),
    ],
)
def test_names_resolve_case_insensitively(name, expected):
    assert resolve_dataset(name) == expected


def test_unknown_name_lists_the_allowed_ones():
    with pytest.raises(ValueError, match=r"unknown Planetoid dataset 'reddit'.*cora, citeseer, pubmed"):
        resolve_dataset("reddit")


def test_root_argument_then_env_var_then_cache(monkeypatch, tmp_path):
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert data_root(None) == Path("~/.cache/qgnas/data").expanduser().resolve()
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "env"))
    assert data_root(None) == (tmp_path / "env").resolve()
    assert data_root(tmp_path / "arg") == (tmp_path / "arg").resolve()


def test_cora_public_split(cora):
    g = cora[0]
    assert tuple(g.x.shape) == (2708, 1433) and cora.num_classes == 7
    assert (int(g.train_mask.sum()), int(g.val_mask.sum()), int(g.test_mask.sum())) == (140, 500, 1000)
    row_sums = g.x.sum(dim=1)
    assert torch.allclose(row_sums[row_sums > 0], torch.ones(1))  # row-normalised features (as GCN/GAT)


def test_env_var_is_the_default_root(monkeypatch, planetoid_root):
    monkeypatch.setenv(ENV_VAR, str(planetoid_root))
    assert load_planetoid("CORA")[0].num_nodes == 2708


def test_missing_dataset_says_where_it_looked_and_how_to_get_it(tmp_path):
    with pytest.raises(DatasetNotFound) as err:
        load_planetoid("cora", tmp_path, download=False)
    msg = str(err.value)
    assert str(tmp_path / "Cora" / "raw") in msg
    assert ENV_VAR in msg and "--data-root" in msg and "internet" in msg


def test_failed_download_is_a_clear_error_and_leaves_no_empty_folders(tmp_path, monkeypatch):
    from torch_geometric.datasets import Planetoid

    def offline(self):
        raise OSError("Cannot connect to host github.com:443")

    monkeypatch.setattr(Planetoid, "download", offline)
    with pytest.raises(DatasetNotFound, match="download failed.*Cannot connect") as err:
        load_planetoid("citeseer", tmp_path)
    assert str(tmp_path / "CiteSeer" / "raw") in str(err.value)
    assert not (tmp_path / "CiteSeer").exists()

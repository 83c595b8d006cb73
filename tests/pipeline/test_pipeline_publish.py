"""Atomic publication, recovery after an interruption, index, manifest, copy; file hashing."""

from __future__ import annotations

import json
import os

import pytest

from arefie_studies.pipeline.layout import ReportsLayout
from arefie_studies.pipeline.publish import (
    ReportsLockedError,
    build_index,
    build_manifest,
    copy_reports,
    lock_reports,
    publish_variant,
    recover,
)
from arefie_studies.project.hashing import HashCache, tree_hash, variant_fingerprint
from arefie_studies.project.layout import ProjectNotFoundError, find_root


def make_report(layout, slug, variant, text, subtitle=""):
    tmp = layout.new_tmp()
    (tmp / "report.html").write_text(text, encoding="utf-8")
    (tmp / "report.pdf").write_bytes(b"%PDF-1.4")
    meta = {"study": slug, "variant": variant, "title": "Étude santé jeunes", "subtitle": subtitle,
            "fingerprint": "f" * 64, "date": "2026-11-28T10:05:00+00:00",
            "files": {"html": "report.html", "pdf": "report.pdf"}}
    (tmp / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    return tmp


def test_publish_replaces_and_leaves_no_temporary(tmp_path):
    layout = ReportsLayout(tmp_path / "reports")
    publish_variant(layout, "sante", "regional", make_report(layout, "sante", "regional", "v1"))
    publish_variant(layout, "sante", "regional", make_report(layout, "sante", "regional", "v2"))
    target = layout.variant_dir("sante", "regional")
    assert (target / "report.html").read_text() == "v2"
    assert sorted(p.name for p in layout.reports.iterdir()) == ["sante"]
    assert sorted(p.name for p in (layout.reports / "sante").iterdir()) == ["regional"]


def test_recover_restores_a_report_renamed_aside(tmp_path):
    layout = ReportsLayout(tmp_path / "reports")
    publish_variant(layout, "sante", "regional", make_report(layout, "sante", "regional", "v1"))
    # simulate a kill between the two renames: old renamed aside, new one never moved in
    target = layout.variant_dir("sante", "regional")
    os.rename(target, target.parent / f".regional.old-{'a' * 32}")
    stale = make_report(layout, "sante", "regional", "half-written")
    notes = recover(layout)
    assert (target / "report.html").read_text() == "v1"
    assert not stale.exists()
    assert any("restored" in n for n in notes) and any(".tmp-" in n for n in notes)


def test_index_and_manifest_list_every_variant(tmp_path):
    layout = ReportsLayout(tmp_path / "reports")
    for v, sub in [("regional", ""), ("departement-59", "Département : Nord")]:
        publish_variant(layout, "sante", v, make_report(layout, "sante", v, v, sub))
    index = build_index(layout).read_text(encoding="utf-8")
    assert '<html lang="fr">' in index and "Étude santé jeunes" in index
    assert "Rapport régional" in index and "Département : Nord" in index
    assert 'href="sante/regional/report.html"' in index and 'href="sante/departement-59/report.pdf"' in index
    assert "28/11/2026 10:05" in index
    assert index.index("Rapport régional") < index.index("Département : Nord")
    manifest = build_manifest(layout)
    on_disk = json.loads(layout.manifest.read_text(encoding="utf-8"))
    assert on_disk["studies"] == manifest["studies"]
    assert list(on_disk["studies"]["sante"]["variants"]) == ["regional", "departement-59"]
    assert on_disk["studies"]["sante"]["variants"]["regional"]["fingerprint"] == "f" * 64


def test_copy_to_a_target_folder(tmp_path):
    layout = ReportsLayout(tmp_path / "reports")
    publish_variant(layout, "sante", "regional", make_report(layout, "sante", "regional", "v1"))
    (layout.reports / "_logs").mkdir()
    build_index(layout)
    build_manifest(layout)
    dest = tmp_path / "www"
    copy_reports(layout, dest)
    publish_variant(layout, "sante", "regional", make_report(layout, "sante", "regional", "v2"))
    copy_reports(layout, dest)
    assert (dest / "sante" / "regional" / "report.html").read_text() == "v2"
    assert sorted(p.name for p in dest.iterdir()) == ["index.html", "manifest.json", "sante"]


def test_lock_is_exclusive(tmp_path):
    layout = ReportsLayout(tmp_path / "reports")
    held = lock_reports(layout)
    with pytest.raises(ReportsLockedError, match="in use by another"):
        lock_reports(layout)
    held.close()
    lock_reports(layout).close()


def test_hash_cache_and_tree_hash(tmp_path):
    src = tmp_path / "pkg"
    (src / "sub").mkdir(parents=True)
    (src / "a.py").write_text("x = 1\n")
    (src / "sub" / "b.tpl").write_text("{{ x }}")
    (src / "notes.bin").write_bytes(b"ignored")
    for f in src.rglob("*.*"):
        os.utime(f, ns=(1_700_000_000_000_000_000,) * 2)  # old files: cached
    cache = HashCache(tmp_path / "cache.json")
    first = tree_hash(src, cache)
    cache.save()
    again = HashCache(tmp_path / "cache.json")
    assert tree_hash(src, again) == first and not again._dirty  # served from the cache
    (src / "notes.bin").write_bytes(b"still ignored")
    assert tree_hash(src, again) == first
    (src / "sub" / "b.tpl").write_text("{{ y }}")  # same size, fresh mtime: hashed again
    assert tree_hash(src, again) != first
    os.utime(src / "sub" / "b.tpl", ns=(1_700_000_000_000_000_000,) * 2)  # even with the old mtime
    assert tree_hash(src, again) != first
    assert variant_fingerprint({"a": 1, "b": [1, 2]}) == variant_fingerprint({"b": [1, 2], "a": 1})
    assert variant_fingerprint({"a": 1}) != variant_fingerprint({"a": 2})


def test_find_root(tmp_path):
    (tmp_path / "studies").mkdir()
    (tmp_path / "notebooks").mkdir()
    assert find_root(tmp_path / "notebooks") == tmp_path.resolve()
    with pytest.raises(ProjectNotFoundError, match="no folder with a 'studies/'"):
        find_root(tmp_path.parent)


def test_project_kernel_is_used_when_installed(tmp_path, monkeypatch):
    from jupyter_client.kernelspec import KernelSpecManager

    from arefie_studies.pipeline.execute import pick_kernel

    spec_dir = tmp_path / "share" / "jupyter" / "kernels" / "arefie-studies"
    spec_dir.mkdir(parents=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": ["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python (arefie-studies)", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "share" / "jupyter"))
    assert pick_kernel() == "arefie-studies"
    monkeypatch.setattr(KernelSpecManager, "find_kernel_specs", lambda self: {"python3": "/x"})
    assert pick_kernel() == "python3"

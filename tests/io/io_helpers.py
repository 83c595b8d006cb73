"""io test helpers (no conftest.py: other test folders import their own ``conftest`` by name)."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pandas as pd
import pyreadstat

# ASCII placeholders absent from a pyreadstat .sav's binary parts for the small frames used here;
# each is swapped for the Latin-1 byte of its accented letter (same length, so offsets hold).
_PLACEHOLDERS = {"é": "~", "è": "^", "ô": "`", "â": "}", "à": "|", "ç": "{"}


def write_latin1_sav(path: Path, df: pd.DataFrame, column_labels: dict, value_labels: dict,
                     declare_latin1: bool = True) -> Path:
    """Write a .sav whose text is ISO-8859-1 (as old SPSS versions produce).

    ReadStat only writes UTF-8, so the file is written with one-byte placeholders, which are then
    replaced by Latin-1 bytes; the encoding record (subtype 20) and the character code of the
    machine-integer record (subtype 3) are set to ISO-8859-1 (28591). With ``declare_latin1=False``
    the header still claims UTF-8: a mislabelled file.
    """
    def enc(s: str) -> str:
        for k, v in _PLACEHOLDERS.items():
            s = s.replace(k, v)
        return s

    frame = df.copy()
    for c in frame.columns:
        if frame[c].dtype == object:
            frame[c] = frame[c].map(enc)
    pyreadstat.write_sav(frame, str(path), column_labels={k: enc(v) for k, v in column_labels.items()},
                         variable_value_labels={k: {c: enc(lab) for c, lab in v.items()}
                                                for k, v in value_labels.items()})
    raw = bytearray(Path(path).read_bytes())
    expected = sum(enc(str(t)).count(p) for p in _PLACEHOLDERS.values()
                   for t in [*column_labels.values(), *[lab for v in value_labels.values() for lab in v.values()],
                             *[x for c in df.columns if df[c].dtype == object for x in df[c]]])
    found = sum(raw.count(p.encode()) for p in _PLACEHOLDERS.values())
    if found != expected:  # a placeholder byte also occurs in binary fields: the trick would corrupt the file
        raise RuntimeError(f"placeholder collision: {found} bytes vs {expected} expected")
    for k, v in _PLACEHOLDERS.items():
        raw = raw.replace(v.encode(), k.encode("latin-1"))
    name = b"ISO-8859-1" if declare_latin1 else b"UTF-8"
    raw = raw.replace(struct.pack("<iiii", 7, 20, 1, 5) + b"UTF-8", struct.pack("<iiii", 7, 20, 1, len(name)) + name)
    j = raw.find(struct.pack("<iii", 7, 3, 4))
    raw[j + 44:j + 48] = struct.pack("<i", 28591 if declare_latin1 else 65001)
    Path(path).write_bytes(bytes(raw))
    return Path(path)


def labelled_frame():
    """A small survey-like frame with labels, a user-missing code and a range of missing codes."""
    df = pd.DataFrame({
        "id": ["a1", "a2", "a3", "a4", "a5", "a6"],
        "sat": [2.0, 1.0, 4.0, 9.0, 3.0, 2.0],          # 9 = Ne sait pas (user-missing)
        "revenu": [1200.0, 850.0, 99998.0, 1500.0, 99999.0, 0.0],  # 99998–99999 = refus / NSP
        "ville": ["Amiens", "Saint-Quentin", "Béthune", "Lille", "Château-Thierry", "Abbeville"],
        "age": [17.0, 22.0, 25.0, 19.0, np.nan, 28.0],
    })
    meta = {
        "variable_labels": {"id": "Identifiant", "sat": "Satisfaction à l'égard de l'accueil",
                            "revenu": "Revenu mensuel (€)", "ville": "Commune", "age": "Âge"},
        "value_labels": {"sat": {1: "Très satisfait", 2: "Plutôt satisfait", 3: "Plutôt pas satisfait",
                                 4: "Pas du tout satisfait", 9: "Ne sait pas"}},
        "missing_ranges": {"sat": [9], "revenu": [{"lo": 99998, "hi": 99999}]},
        "measure": {"sat": "ordinal", "revenu": "scale", "age": "scale"},
    }
    return df, meta

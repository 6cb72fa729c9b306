"""AV-MNIST: a handwritten digit image paired with a spoken digit (Vielzeuf et al. 2018).

Two loaders:

- `load_avmnist` reads MultiBench's arrays: avmnist/image/{train,test}_data.npy (n, 28, 28)
  or (n, 784), avmnist/audio/{train,test}_data.npy (n, 112, 112), avmnist/{train,test}_labels.npy;
  the last 1/12 of the training arrays is the validation split (MultiBench: 55 000 / 5 000).
- `load_avmnist_rebuilt` builds "AV-MNIST (rebuilt)" from genuine parts: the MNIST test
  digits (mnist/t10k-*-idx?-ubyte.gz) and the Free Spoken Digit Dataset
  (fsdd/recordings/{digit}_{speaker}_{k}.wav). Each recording is paired with a different
  MNIST image of the same digit; the audio becomes a 112 x 112 log-magnitude spectrogram;
  the images are degraded as in AV-MNIST by keeping only the principal components that
  hold 25% of the energy (PCA fitted on the training images). Split "shared-speakers" (the
  default) draws test and validation recordings at random, so every speaker is in every split,
  as the original AV-MNIST's speakers are; "held-out-speaker" keeps one speaker's recordings
  for the test split (a robustness variant: does a model transfer to a new voice?). It is not
  MultiBench's file and its numbers are not comparable to it.
"""

from __future__ import annotations

import gzip
import re
import wave
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from .base import MultimodalData, Splits
from .files import cached, data_root, require

__all__ = ["load_avmnist", "load_avmnist_rebuilt", "AVMNIST_REBUILT_SPLITS", "read_idx", "spectrogram", "pca_degrade"]

AVMNIST_REBUILT_SPLITS = ("shared-speakers", "held-out-speaker")

SPECTROGRAM = 112  # frequency bins and time frames
HOP = 64  # 112 frames x 64 samples = 0.9 s of 8 kHz audio
FSDD_WHERE = "The Free Spoken Digit Dataset is at https://github.com/Jakobovski/free-spoken-digit-dataset."
MNIST_WHERE = "MNIST's IDX files are at https://yann.lecun.com/exdb/mnist/ (t10k-images-idx3-ubyte.gz)."


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (gzipped or not), as MNIST distributes it."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as handle:
        raw = handle.read()
    if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] != 8:
        raise ValueError(f"{path} is not an unsigned-byte IDX file")
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    body = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != np.prod(shape):
        raise ValueError(f"{path} is truncated: header says {shape}, found {body.size} values")
    return body.reshape(shape)


def _read_wav(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as handle:
        if handle.getsampwidth() != 2 or handle.getnchannels() != 1:
            raise ValueError(f"{path}: expected 16-bit mono audio")
        frames = handle.readframes(handle.getnframes())
    return np.frombuffer(frames, dtype="<i2").astype(np.float32) / 32768.0


def spectrogram(audio: np.ndarray) -> Tensor:
    """Log-magnitude STFT of a clip centred in a 0.9 s window: (112, 112) (frequency, time).

    n_fft = 222 gives 112 frequency bins; hop 64 over (112 - 1) * 64 + 222 samples gives
    112 frames. Longer clips are centre-cropped, shorter ones zero-padded on both sides.
    """
    n_fft, length = 2 * SPECTROGRAM - 2, (SPECTROGRAM - 1) * HOP + 2 * SPECTROGRAM - 2
    window = np.zeros(length, dtype=np.float32)
    if len(audio) >= length:
        start = (len(audio) - length) // 2
        window[:] = audio[start : start + length]
    else:
        start = (length - len(audio)) // 2
        window[start : start + len(audio)] = audio
    stft = torch.stft(
        torch.from_numpy(window), n_fft, HOP, window=torch.hann_window(n_fft), center=False, return_complex=True
    )  # (112, 112)
    return torch.log1p(stft.abs())


def pca_degrade(images: Tensor, fit_on: Tensor, energy: float = 0.25) -> Tensor:
    """Project `images` (n, 784) onto the fewest principal components of `fit_on` that hold
    `energy` of its variance, and map back (AV-MNIST's image degradation)."""
    mean = fit_on.mean(dim=0)
    _, singular, components = torch.linalg.svd(fit_on - mean, full_matrices=False)  # (k,), (k, 784)
    share = (singular**2).cumsum(0) / (singular**2).sum()
    keep = int((share < energy).sum()) + 1
    basis = components[:keep]  # (keep, 784)
    return (images - mean) @ basis.T @ basis + mean


def _build_rebuilt(root: Path, seed: int) -> dict:
    images_path = require(root / "mnist" / "t10k-images-idx3-ubyte.gz", "MNIST test images", MNIST_WHERE)
    labels_path = require(root / "mnist" / "t10k-labels-idx1-ubyte.gz", "MNIST test labels", MNIST_WHERE)
    images, digits = read_idx(images_path), read_idx(labels_path)
    if len(images) != len(digits):
        raise ValueError(f"MNIST: {len(images)} images but {len(digits)} labels")
    folder = require(root / "fsdd" / "recordings", "FSDD recordings", FSDD_WHERE)
    pattern = re.compile(r"(\d)_([a-z]+)_(\d+)\.wav")
    clips = sorted((int(m[1]), m[2], int(m[3]), p) for p in folder.glob("*.wav") if (m := pattern.fullmatch(p.name)))
    if not clips:
        raise ValueError(f"no FSDD recordings named digit_speaker_index.wav in {folder}")
    rng = np.random.default_rng(seed)
    pools = {d: list(rng.permutation(np.flatnonzero(digits == d))) for d in range(10)}
    image_index, spectrograms = [], []
    for digit, _, _, path in clips:
        if not pools[digit]:
            raise ValueError(f"more digit-{digit} recordings than MNIST images of {digit}")
        image_index.append(pools[digit].pop())
        spectrograms.append(spectrogram(_read_wav(path)))
    return {
        "image": torch.from_numpy(images[image_index]),
        "audio": torch.stack(spectrograms),
        "labels": torch.tensor([c[0] for c in clips]),
        "speakers": [c[1] for c in clips],
    }


def load_avmnist_rebuilt(
    root: str | None = None, split: str = "shared-speakers", test_speaker: str = "theo", seed: int = 0
) -> Splits:
    """AV-MNIST (rebuilt): image (n, 1, 28, 28) PCA-degraded, audio (n, 1, 112, 112).

    "shared-speakers": test and validation are each 1/6 of the recordings, drawn at random with
    `seed` (500 / 416 of 3000; 2084 train). "held-out-speaker": test is every recording of
    `test_speaker`, validation 1/6 of the other speakers' recordings."""
    if split not in AVMNIST_REBUILT_SPLITS:
        raise ValueError(f"unknown AV-MNIST (rebuilt) split {split!r}: use one of {list(AVMNIST_REBUILT_SPLITS)}")
    folder = data_root(root)
    sources = [folder / "mnist" / "t10k-images-idx3-ubyte.gz", folder / "fsdd" / "recordings"]
    built = cached(
        f"avmnist-rebuilt-seed{seed}", [p for p in sources if p.exists()], lambda: _build_rebuilt(folder, seed)
    )
    speakers = np.array(built["speakers"])
    if test_speaker not in speakers:
        raise ValueError(f"unknown test speaker {test_speaker!r}; FSDD has {sorted(set(speakers))}")
    generator = torch.Generator().manual_seed(seed)
    if split == "shared-speakers":
        shuffled = torch.randperm(len(speakers), generator=generator)
        test, rest = shuffled[: len(speakers) // 6], shuffled[len(speakers) // 6 :]
    else:
        test = torch.from_numpy(np.flatnonzero(speakers == test_speaker))
        rest = torch.from_numpy(np.flatnonzero(speakers != test_speaker))
    order = rest[torch.randperm(len(rest), generator=generator)]
    n_val = len(rest) // 6
    index = {"train": order[n_val:], "val": order[:n_val], "test": test}
    flat = built["image"].float().flatten(1) / 255  # (n, 784)
    image = pca_degrade(flat, flat[index["train"]]).reshape(-1, 1, 28, 28)
    audio = built["audio"].unsqueeze(1)  # (n, 1, 112, 112)
    data = MultimodalData(
        "avmnist-rebuilt", [image, audio], built["labels"], ["image", "audio"], "multiclass", n_classes=10
    )
    return {k: data.subset(v) for k, v in index.items()}


def _npy(path: Path) -> np.ndarray:
    require(
        path, "AV-MNIST array", "MultiBench's AV-MNIST arrays are linked from https://github.com/pliang279/MultiBench."
    )
    try:
        return np.load(path, allow_pickle=False)
    except (ValueError, OSError) as err:
        raise ValueError(f"{path} is not a readable .npy array: {err}") from err


def load_avmnist(root: str | None = None) -> Splits:
    """MultiBench's AV-MNIST arrays; image (n, 1, 28, 28), audio (n, 1, 112, 112) as stored."""
    folder = data_root(root) / "avmnist"
    parts = {}
    for split in ("train", "test"):
        image = torch.from_numpy(_npy(folder / "image" / f"{split}_data.npy")).float()
        audio = torch.from_numpy(_npy(folder / "audio" / f"{split}_data.npy")).float()
        labels = torch.from_numpy(_npy(folder / f"{split}_labels.npy")).long()
        image = image.reshape(len(image), 1, 28, 28) / (255.0 if image.max() > 1 else 1.0)
        audio = audio.reshape(len(audio), 1, *audio.shape[-2:])
        parts[split] = MultimodalData("avmnist", [image, audio], labels, ["image", "audio"], "multiclass", 10)
    n_val = len(parts["train"]) // 12
    n_train = len(parts["train"]) - n_val
    return {
        "train": parts["train"].subset(torch.arange(n_train)),
        "val": parts["train"].subset(torch.arange(n_train, len(parts["train"]))),
        "test": parts["test"],
    }

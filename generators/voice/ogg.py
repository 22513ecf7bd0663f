"""PCM to OGG/Opus (libsndfile, as bundled with the soundfile wheel) and back, byte-reproducibly."""

from __future__ import annotations

import io
import struct
from math import gcd

import numpy as np
import soundfile as sf

OPUS_RATES = (8000, 12000, 16000, 24000, 48000)
OPUS_RATE = 48000
# libsndfile's 0..1 compression level; 0.9 gives about 33 kbit/s, plenty for one voice.
COMPRESSION_LEVEL = 0.9


def _crc_table() -> list[int]:
    table = []
    for i in range(256):
        r = i << 24
        for _ in range(8):
            r = ((r << 1) ^ 0x04C11DB7) if r & 0x80000000 else (r << 1)
        table.append(r & 0xFFFFFFFF)
    return table


_CRC = _crc_table()


def _ogg_crc(data: bytes) -> int:
    crc = 0
    for byte in data:
        crc = ((crc << 8) & 0xFFFFFFFF) ^ _CRC[((crc >> 24) & 0xFF) ^ byte]
    return crc


def set_serial(ogg: bytes, serial: int) -> bytes:
    """The same Ogg stream with every page's serial number set to `serial` (and CRCs redone).

    libsndfile picks a random serial per file; a fixed one makes equal audio equal bytes."""
    out = bytearray(ogg)
    pos = 0
    while pos + 27 <= len(out):
        if out[pos : pos + 4] != b"OggS":
            raise ValueError("not an Ogg stream")
        segments = out[pos + 26]
        header = 27 + segments
        size = header + sum(out[pos + 27 : pos + header])
        struct.pack_into("<I", out, pos + 14, serial & 0xFFFFFFFF)
        struct.pack_into("<I", out, pos + 22, 0)
        struct.pack_into("<I", out, pos + 22, _ogg_crc(bytes(out[pos : pos + size])))
        pos += size
    return bytes(out)


def resample(samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    """Mono float32 samples from `rate` to `target` Hz, band-limited by FFT (numpy only).

    The signal is zero-padded (at least 50 ms each side, so the FFT's wrap-around cannot leak the
    end into the start) to `rate / gcd` times a power of two, a length the FFT handles fast."""
    if rate == target or samples.size == 0:
        return samples.astype(np.float32, copy=False)
    g = gcd(rate, target)
    step_in, step_out = rate // g, target // g
    lead = step_in * -(-(rate // 20) // step_in)  # >= 50 ms, a whole number of output samples
    blocks = 1 << max(0, int(np.ceil(np.log2((samples.size + 2 * lead) / step_in))))
    n_in, n_out = step_in * blocks, step_out * blocks
    padded = np.zeros(n_in)
    padded[lead : lead + samples.size] = samples
    spectrum = np.fft.rfft(padded)
    keep = min(spectrum.size, n_out // 2 + 1)
    out = np.fft.irfft(spectrum[:keep], n_out) * (n_out / n_in)
    start = lead * step_out // step_in
    return out[start : start + samples.size * step_out // step_in].astype(np.float32)


def encode_opus(samples: np.ndarray, sample_rate: int, *, serial: int = 0) -> bytes:
    """Mono PCM (float, -1..1) as OGG/Opus at 48 kHz."""
    pcm = resample(np.clip(samples, -1.0, 1.0), sample_rate, OPUS_RATE)
    buf = io.BytesIO()
    sf.write(buf, pcm, OPUS_RATE, format="OGG", subtype="OPUS", compression_level=COMPRESSION_LEVEL)
    return set_serial(buf.getvalue(), serial)


def decode(audio: bytes) -> tuple[np.ndarray, int]:
    """Any file libsndfile reads (WAV, OGG/Opus or Vorbis, FLAC, MP3) as mono float32 samples."""
    data, rate = sf.read(io.BytesIO(audio), dtype="float32", always_2d=True)
    return data.mean(axis=1), int(rate)


def is_ogg_opus(audio: bytes) -> bool:
    """True for an Ogg stream whose first packet is an Opus header."""
    return audio[:4] == b"OggS" and audio[28:36] == b"OpusHead"


def duration(audio: bytes) -> float:
    """Seconds of audio in an encoded file."""
    return float(sf.info(io.BytesIO(audio)).duration)

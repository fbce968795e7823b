"""A small CRNN for plate registrations: conv blocks over a 32x128 grey crop, a BiLSTM over
the 32 columns, one CTC class per column (0 = blank, then plate_input.CHARSET)."""

from __future__ import annotations

import torch
from torch import nn

from engine.alpr.plate_input import CHARSET


def _block(cin: int, cout: int) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(True)]


class PlateCRNN(nn.Module):
    """[N, 1, 32, 128] in [-1, 1] -> [N, 32, classes] softmax probabilities (classes = 37)."""

    def __init__(self, classes: int = len(CHARSET) + 1, hidden: int = 96) -> None:
        super().__init__()
        self.features = nn.Sequential(
            *_block(1, 32),
            nn.MaxPool2d(2),  # 16 x 64
            *_block(32, 64),
            nn.MaxPool2d(2),  # 8 x 32
            *_block(64, 96),
            *_block(96, 96),
            nn.MaxPool2d((2, 1)),  # 4 x 32
            *_block(96, 128),
            nn.MaxPool2d((2, 1)),  # 2 x 32
            nn.Conv2d(128, 160, (2, 1), bias=False),  # 1 x 32
            nn.BatchNorm2d(160),
            nn.ReLU(True),
            nn.Dropout(0.1),
        )
        self.rnn = nn.LSTM(160, hidden, bidirectional=True, batch_first=True)
        self.head = nn.Linear(2 * hidden, classes)

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        f = self.features(x).squeeze(2).permute(0, 2, 1)  # N, T, C
        out, _ = self.rnn(f)
        return self.head(out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.logits(x).softmax(-1)

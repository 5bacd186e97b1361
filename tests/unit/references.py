"""Hand-written reference models, in plain torch, for the graph documents in ``examples/``.

The seed's models (``MLP``, ``Net``, ``LeNet``, ``LeNet_bn``) are copied from the tutorial
(/work/shared/seed/pytorch_part6_regularization.txt) with their layer order kept exactly: the
differential tests copy weights between these and the generated code *by registration order*.
``Net`` and ``LeNet`` are not printed in the post; they are the course's versions, which the post
uses (``net.linears[1].weight``) and extends (``LeNet_bn``).

The other references are written by hand for the non-seed examples, in the order their graph
documents list the layers.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

# --- the seed ---------------------------------------------------------------------------------------


class MLP(nn.Module):
    """The seed's MLP. ``d_prob=None`` is the weight-decay experiment's model (no Dropout layers);
    a number is the dropout experiment's model (Dropout before each Linear after the first)."""

    def __init__(self, neural_num: int, d_prob: float | None = None):
        super().__init__()
        if d_prob is None:
            self.linears = nn.Sequential(
                nn.Linear(1, neural_num),
                nn.ReLU(inplace=True),
                nn.Linear(neural_num, neural_num),
                nn.ReLU(inplace=True),
                nn.Linear(neural_num, neural_num),
                nn.ReLU(inplace=True),
                nn.Linear(neural_num, 1),
            )
        else:
            self.linears = nn.Sequential(
                nn.Linear(1, neural_num),
                nn.ReLU(inplace=True),
                nn.Dropout(d_prob),
                nn.Linear(neural_num, neural_num),
                nn.ReLU(inplace=True),
                nn.Dropout(d_prob),
                nn.Linear(neural_num, neural_num),
                nn.ReLU(inplace=True),
                nn.Dropout(d_prob),
                nn.Linear(neural_num, 1),
            )

    def forward(self, x: Tensor) -> Tensor:
        return self.linears(x)


class Net(nn.Module):
    """The seed's dropout demo: ``net.linears[1].weight.detach().fill_(1.)`` then ones in."""

    def __init__(self, neural_num: int, d_prob: float = 0.5):
        super().__init__()
        self.linears = nn.Sequential(
            nn.Dropout(d_prob),
            nn.Linear(neural_num, 1, bias=False),
            nn.ReLU(inplace=True),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.linears(x)


def gen_data(num_data: int = 10, x_range: tuple[float, float] = (-1, 1)) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """The seed's step 1/5 data: y = 1.5x plus Gaussian noise."""
    w = 1.5
    train_x = torch.linspace(*x_range, num_data).unsqueeze_(1)
    train_y = w * train_x + torch.normal(0, 0.5, size=train_x.size())
    test_x = torch.linspace(*x_range, num_data).unsqueeze_(1)
    test_y = w * test_x + torch.normal(0, 0.3, size=test_x.size())
    return train_x, train_y, test_x, test_y


class LeNet(nn.Module):
    def __init__(self, classes: int):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, classes)

    def forward(self, x: Tensor) -> Tensor:
        out = F.relu(self.conv1(x))
        out = F.max_pool2d(out, 2)
        out = F.relu(self.conv2(out))
        out = F.max_pool2d(out, 2)
        out = out.view(out.size(0), -1)
        out = F.relu(self.fc1(out))
        out = F.relu(self.fc2(out))
        out = self.fc3(out)
        return out


class LeNet_bn(nn.Module):  # the seed's name, kept
    def __init__(self, classes: int):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.bn1 = nn.BatchNorm2d(num_features=6)

        self.conv2 = nn.Conv2d(6, 16, 5)
        self.bn2 = nn.BatchNorm2d(num_features=16)

        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.bn3 = nn.BatchNorm1d(num_features=120)

        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, classes)

    def forward(self, x: Tensor) -> Tensor:
        out = self.conv1(x)
        out = self.bn1(out)
        out = F.relu(out)

        out = F.max_pool2d(out, 2)

        out = self.conv2(out)
        out = self.bn2(out)
        out = F.relu(out)

        out = F.max_pool2d(out, 2)

        out = out.view(out.size(0), -1)

        out = self.fc1(out)
        out = self.bn3(out)
        out = F.relu(out)

        out = F.relu(self.fc2(out))
        out = self.fc3(out)
        return out


def initialize_weights(model: nn.Module) -> None:
    """The seed's ``LeNet.initialize_weights`` method, as a function of the model."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.xavier_normal_(m.weight.data)
            if m.bias is not None:
                m.bias.data.zero_()
        elif isinstance(m, nn.BatchNorm2d):
            m.weight.data.fill_(1)
            m.bias.data.zero_()
        elif isinstance(m, nn.Linear):
            nn.init.normal_(m.weight.data, 0, 1)
            m.bias.data.zero_()


# --- the other examples -------------------------------------------------------------------------------


def _conv3x3(cin: int, cout: int) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 3, padding=1, bias=False)


class BasicBlock(nn.Module):
    """torchvision's ResNet BasicBlock without downsampling: the identity is added as is."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv1 = _conv3x3(channels, channels)
        self.bn1 = nn.BatchNorm2d(channels)
        self.conv2 = _conv3x3(channels, channels)
        self.bn2 = nn.BatchNorm2d(channels)

    def forward(self, x: Tensor) -> Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + x)


class ResNetBasicBlock(nn.Module):
    """examples/resnet_basic_block.json"""

    def __init__(self, num_classes: int = 10):
        super().__init__()
        self.conv1 = _conv3x3(3, 16)
        self.bn1 = nn.BatchNorm2d(16)
        self.block1 = BasicBlock(16)
        self.fc = nn.Linear(16, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.block1(out)
        out = F.adaptive_avg_pool2d(out, 1).flatten(1)
        return self.fc(out)


def _double_conv(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(), nn.Conv2d(cout, cout, 3, padding=1), nn.ReLU())


class UNetTiny(nn.Module):
    """examples/unet_tiny.json: two levels, skip joined before the upsampled features."""

    def __init__(self, in_channels: int = 1, num_classes: int = 10):
        super().__init__()
        self.enc1 = _double_conv(in_channels, 16)
        self.enc2 = _double_conv(16, 32)
        self.up = nn.ConvTranspose2d(32, 16, 2, stride=2)
        self.dec1 = _double_conv(32, 16)
        self.head = nn.Conv2d(16, num_classes, 1)

    def forward(self, x: Tensor) -> Tensor:
        skip = self.enc1(x)  # (B, 16, 8, 8)
        out = self.enc2(F.max_pool2d(skip, 2))  # (B, 32, 4, 4)
        out = self.up(out)  # (B, 16, 8, 8)
        out = self.dec1(torch.cat([skip, out], dim=1))  # (B, 16, 8, 8)
        return self.head(out).mean(dim=(2, 3))  # (B, 10)


class LSTMClassifier(nn.Module):
    """examples/lstm_classifier.json: classify from the last layer's final hidden state."""

    def __init__(self, input_size: int = 8, hidden_size: int = 64, num_classes: int = 10):
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, batch_first=True)
        self.fc = nn.Linear(hidden_size, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        _, (h_n, _) = self.lstm(x)  # h_n: (num_layers, B, hidden)
        return self.fc(h_n[-1])


class DigitsTransformer(nn.Module):
    """examples/transformer_encoder.json"""

    def __init__(self, in_features: int = 8, d_model: int = 32, num_classes: int = 10):
        super().__init__()
        self.embed = nn.Linear(in_features, d_model)
        self.encoder = nn.TransformerEncoderLayer(d_model, nhead=4, dim_feedforward=64, batch_first=True)
        self.fc = nn.Linear(d_model, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        out = self.encoder(self.embed(x))  # (B, 8, 32)
        return self.fc(out.mean(dim=1))


class ConvBnAct(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.conv = _conv3x3(channels, channels)
        self.bn = nn.BatchNorm2d(channels)

    def forward(self, x: Tensor) -> Tensor:
        return F.relu(self.bn(self.conv(x)))


class ConvBlock(nn.Module):
    def __init__(self, channels: int):
        super().__init__()
        self.cba1 = ConvBnAct(channels)
        self.cba2 = ConvBnAct(channels)

    def forward(self, x: Tensor) -> Tensor:
        return self.cba2(self.cba1(x)) + x


class NestedBlocks(nn.Module):
    """examples/nested_blocks.json"""

    def __init__(self, in_channels: int = 1, num_classes: int = 10):
        super().__init__()
        self.stem = nn.Conv2d(in_channels, 16, 3, padding=1)
        self.block1 = ConvBlock(16)
        self.block2 = ConvBlock(16)
        self.block3 = ConvBlock(16)
        self.fc = nn.Linear(16, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        out = F.relu(self.stem(x))
        out = self.block3(self.block2(self.block1(out)))
        return self.fc(F.adaptive_avg_pool2d(out, 1).flatten(1))

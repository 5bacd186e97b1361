"""One training step of a generated model.py, run by torchcanvas.market.verify in a subprocess:
``python verify_step.py CLASS INPUTS_JSON`` in the folder that holds model.py.

INPUTS_JSON lists the model's inputs as ``[{"shape": [2, 3, 32, 32], "dtype": "float32"}, ...]``.
Floating inputs are random; integer inputs (token ids) are zeros, a valid index for any
embedding. The loss is the sum of the floating outputs: any scalar exercises backward.
"""

import json
import os
import sys

import torch


def main() -> None:
    cls_name, inputs_json = sys.argv[1], sys.argv[2]
    sys.path.insert(0, os.getcwd())
    import model

    torch.manual_seed(0)
    net = getattr(model, cls_name)()
    net.train()
    inputs = []
    for spec in json.loads(inputs_json):
        dtype = getattr(torch, spec["dtype"])
        make = torch.randn if dtype.is_floating_point else torch.zeros
        inputs.append(make(spec["shape"], dtype=dtype))
    out = net(*inputs)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    floating = [o for o in outs if isinstance(o, torch.Tensor) and o.is_floating_point()]
    if not floating:
        raise SystemExit("the model returned no floating-point tensor to take a gradient of")
    loss = torch.stack([o.float().sum() for o in floating]).sum()
    loss.backward()
    if not all(torch.isfinite(p.grad).all() for p in net.parameters() if p.grad is not None):
        raise SystemExit("the backward step produced non-finite gradients")
    print("ok")


if __name__ == "__main__":
    main()

"""The bounds on the work one request may cause, declared once.

Every request's cost is estimated from the document before the work starts (module instances
after expansion, elements per tensor, total parameters, image sizes in every transform, the
ONNX file size); past a bound the request is refused with :class:`LimitExceeded`, which the API
answers with a 422 naming the limit and where it was hit. The defaults are generous for real
models (ViT-L, ResNet-152 and a 1,000-node flat graph sit well inside them) and can be changed
per server with ``TORCHCANVAS_LIMITS__<NAME>`` (see ``torchcanvas.settings``).

Two kinds of answer, chosen by what the limit protects:

* The work of the request itself (``max_module_instances``, ``max_image_pixels``,
  ``max_onnx_bytes``): estimated from the document alone, in time linear in its size, before
  anything is expanded, built or exported; past the bound every entry point (``/check``
  included) raises :class:`LimitExceeded`, answered with a 422.
* The size of the model (``max_tensor_elements`` per node, ``max_total_params``): the shape
  pass computes these on the meta device at no cost, so ``/check`` reports them as errors in
  its result, on the node (a red node in the editor), and codegen, training and export refuse
  the model with a ``GraphError`` like any other error.

``torchcanvas.shapes.cost`` does the estimating.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

# The image formats this server decodes from uploads (``PIL.Image.open(..., formats=IMAGE_FORMATS)``):
# the common ones only, so that a file never reaches Pillow's rarer decoders (EPS, which runs
# Ghostscript when it is installed, among them).
IMAGE_FORMATS = ("PNG", "JPEG", "BMP", "GIF", "WEBP", "TIFF", "PPM")


class Limits(BaseModel):
    # How long one request's CPU work (check, codegen, export, previews, lab demos) may take
    # before the server answers 503 instead of waiting for it.
    request_time_budget_s: float = Field(default=20.0, gt=0)
    # How many such requests do their work at once (torchcanvas.api.work), and how long one more
    # waits for a free worker before the server answers 503 "busy, retry".
    max_cpu_jobs: int = Field(default=4, ge=1, le=256)
    cpu_wait_s: float = Field(default=2.0, ge=0)
    # Nodes after every module use is expanded (a module used 8 times inside one used 8 times
    # counts 64 times its nodes): the shape pass does this much work. A 1,000-node flat graph
    # is 1,000; ResNet-152 as blocks is ~500; ViT-L ~400.
    max_module_instances: int = Field(default=20_000, ge=1)
    # Elements of any one tensor per sample (the batch dimension excluded), inputs included:
    # export and training allocate them. ViT-L's largest is 16 x 197 x 197 (620 k); a 64-channel
    # 512 x 512 feature map is 16.8 M.
    max_tensor_elements: int = Field(default=100_000_000, ge=1)
    # Trainable parameters of the whole model (4 bytes each in float32). ViT-L has 304 M.
    max_total_params: int = Field(default=1_000_000_000, ge=1)
    # Height x width of an image at any step of a transform pipeline (the data set's images,
    # Resize, crops, Pad; train and test pipelines and the augmentation preview). 2048 x 2048.
    max_image_pixels: int = Field(default=2048 * 2048, ge=1)
    # The estimated ONNX file (4 bytes per parameter plus the graph): exporting allocates it
    # about twice. Under protobuf's 2 GiB cap; ViT-L is ~1.2 GB.
    max_onnx_bytes: int = Field(default=1_500_000_000, ge=1)


class LimitExceeded(Exception):
    """A request would cost more than a limit allows; nothing was done.

    ``limit`` is the field of :class:`Limits` that was exceeded, ``where`` names the place in
    the document (a node id, ``training.train_transforms[2]``, ...), ``value`` is the estimated
    cost and ``maximum`` the bound.
    """

    def __init__(self, limit: str, where: str, value: float, maximum: float, fix: str = "") -> None:
        self.limit = limit
        self.where = where
        self.value = value
        self.maximum = maximum
        self.fix = fix
        self.summary = f"{where}: {limit} is {value:,.0f}, over the limit of {maximum:,.0f}"
        super().__init__(f"{self.summary}; {fix}" if fix else self.summary)

    def as_dict(self) -> dict[str, object]:
        return {
            "limit": self.limit,
            "where": self.where,
            "value": self.value,
            "maximum": self.maximum,
            "fix": self.fix,
            "message": str(self),
        }

"""The inference studio: a finished run's model answering, explaining itself and showing its
activations, on an uploaded image, a drawn digit, typed numbers or a test-set sample.

``loaded`` builds and caches the model, ``data`` knows each data set's inputs and test set,
``preprocess`` applies the run's test pipeline, ``evaluate`` predicts, explains (Captum) and
inspects, ``images`` draws the PNGs, ``demos`` trains the demo models. The HTTP side is
``torchcanvas.api.routes.inference``.
"""

from torchcanvas.inference.config import InferenceSettings
from torchcanvas.inference.loaded import LoadedModel, ModelCache, NotUsable

__all__ = ["InferenceSettings", "LoadedModel", "ModelCache", "NotUsable"]

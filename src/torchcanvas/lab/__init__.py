"""The regularization lab: the seed tutorial's lessons, each with a correct explanation and the
experiment that one click runs, plus two forward demos computed with torch directly."""

from torchcanvas.lab.demos import NormalizationError, dropout_scale, explore_normalization
from torchcanvas.lab.lessons import LESSONS, Lesson, LessonParam, lesson, lesson_graph

__all__ = [
    "LESSONS",
    "Lesson",
    "LessonParam",
    "NormalizationError",
    "dropout_scale",
    "explore_normalization",
    "lesson",
    "lesson_graph",
]

"""The gate's knobs, as one pydantic model the application settings nest under ``[gate]``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["GateSettings"]


class GateSettings(BaseModel):
    """How much reviewed data the gate needs, how it is split, and the certification targets.

    The trivial-edit threshold that decides the label is ``TriageSettings.trivial_edit``: the
    review node records labels with it, and the dataset reader applies it again to the stored
    edit distance, so changing it relabels history consistently.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_examples: int = Field(
        default=200, ge=10, description="labelled drafts needed before the gate scores anything"
    )
    min_per_class: int = Field(
        default=20, ge=1, description="drafts needed of each label (unchanged, changed)"
    )
    calibrate_min: int = Field(
        default=1000,
        ge=50,
        description="from this many training drafts on, probabilities are isotonic-calibrated",
    )
    held_out_fraction: float = Field(
        default=0.4,
        gt=0,
        lt=1,
        description="share of reviewed drafts kept out of training, used only to certify",
    )
    split_salt: str = Field(
        default="hatchway-gate-v1",
        min_length=1,
        description="changing it reshuffles which drafts are held out: never do it casually",
    )
    reference_per_category: int = Field(
        default=500, ge=1, description="newest sent-unchanged replies kept per category"
    )
    target_error: float = Field(
        default=0.01, gt=0, lt=1, description="default allowed share of auto-sent drafts changed"
    )
    delta: float = Field(
        default=0.05, gt=0, lt=0.5, description="1 - confidence of the certification (0.05 = 95%)"
    )
    retrain_every_hours: float | None = Field(
        default=None, gt=0, description="retrain on a schedule in the worker (None: on demand)"
    )

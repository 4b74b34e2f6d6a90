"""Token and cost accounting from a small price table (data: ``data/prices.toml``)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

PRICE_FILE = Path(__file__).with_name("data") / "prices.toml"


@dataclass(frozen=True)
class Price:
    input: float  # USD per million tokens
    output: float


def load_prices(path: Path | None = None) -> dict[str, Price]:
    tables = [PRICE_FILE] + ([Path(path)] if path else [])
    prices: dict[str, Price] = {}
    for table in tables:
        data = tomllib.loads(table.read_text())
        for model, entry in data.get("models", {}).items():
            prices[model] = Price(float(entry["input"]), float(entry["output"]))
    return prices


@dataclass
class Usage:
    """Tokens and cost over a run; ``cost_usd`` is None when any model's price is unknown."""

    prices: dict[str, Price] = field(default_factory=load_prices)
    calls: int = 0
    replayed: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    known_cost: float = 0.0
    unknown_price: set[str] = field(default_factory=set)

    def add(self, model: str, input_tokens: int, output_tokens: int, replayed: bool = False) -> None:
        self.calls += 1
        self.replayed += int(replayed)
        self.input_tokens += input_tokens
        self.output_tokens += output_tokens
        price = self.prices.get(model)
        if price is None:
            self.unknown_price.add(model)
            return
        self.known_cost += (input_tokens * price.input + output_tokens * price.output) / 1e6

    @property
    def cost_usd(self) -> float | None:
        return None if self.unknown_price else round(self.known_cost, 6)

    def to_json(self) -> dict:
        return {"calls": self.calls, "replayed": self.replayed, "input_tokens": self.input_tokens,
                "output_tokens": self.output_tokens, "cost_usd": self.cost_usd,
                "cost_note": (f"unknown price for {', '.join(sorted(self.unknown_price))} (add it with --prices)"
                              if self.unknown_price else "from porter's price table; replayed calls cost "
                              "nothing now but are counted at their recorded price")}

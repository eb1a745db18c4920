"""Adopting the order book a seller already keeps: propose the poflow Map from header names and contents
(`propose`), or split a one-tab tracker into a new workbook in poflow's schema (`split`)."""

from .propose import ColumnProposal, Proposal, TabProposal, propose
from .sheets import SheetView, read_sheets

__all__ = ["ColumnProposal", "Proposal", "SheetView", "TabProposal", "propose", "read_sheets"]

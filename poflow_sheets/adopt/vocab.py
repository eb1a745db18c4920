"""The names people give their tabs and columns in an order tracker they made themselves, as data.

Each entry lists names (compared after `schema.norm`: case, spaces and punctuation ignored) that usually mean
poflow's tab or column. They are evidence for a proposal, never applied without `poflow adopt --apply`.
"""

from __future__ import annotations

from ..schema import norm

TAB_NAMES: dict[str, tuple[str, ...]] = {
    "Buyers": ("Customers", "Customer List", "Accounts", "Wholesale Accounts", "Stores", "Retailers", "Clients",
               "Stockists", "Shops", "Buyer List", "Customer"),
    "Products": ("Catalog", "Catalogue", "Items", "Product List", "SKUs", "Inventory", "Price List", "Styles"),
    "PriceTiers": ("Tier Prices", "Volume Pricing", "Price Breaks", "Tiers", "Volume Prices"),
    "Orders": ("PO Log", "POs", "Purchase Orders", "Order Log", "Orders Log", "Order Tracker", "Wholesale Orders",
               "Order List", "PO Tracker", "Order"),
    "Lines": ("Order Lines", "Line Items", "Order Items", "Items Ordered", "PO Lines", "Order Details", "PO Items"),
    "Shipments": ("Shipping", "Shipping Log", "Fulfillment", "Fulfilment", "Deliveries", "Shipped"),
    "Invoices": ("Invoice Log", "Billing", "Invoices Sent", "Receivables", "AR", "Invoice"),
    "Payments": ("Payments Received", "Receipts", "Bank", "Payment Log", "Payment"),
    "Allocations": ("Payment Applications", "Applied Payments"),
    "Quotes": ("Quote Log", "Estimates", "Proposals"),
    "QuoteLines": ("Quote Items", "Estimate Lines", "Quote Line Items"),
}

# Names shared by every tab that has the column.
_COMMON: dict[str, tuple[str, ...]] = {
    "po_number": ("PO", "PO #", "PO No", "PO Num", "Purchase Order", "Purchase Order #", "Order #", "Order No",
                  "Order Number", "Order ID", "Customer PO", "Buyer PO", "PO Ref", "PO Reference"),
    "sku": ("Item #", "Item No", "Item Code", "Style #", "Style No", "Style Number", "Product Code", "Product #",
            "Item Number", "SKU #", "Code", "Style"),
    "description": ("Item", "Item Name", "Product", "Product Name", "Desc", "Item Description", "Style Name"),
    "unit": ("UOM", "Unit of Measure", "Units Of"),
    "unit_price": ("Price", "Price Each", "Unit Cost", "Wholesale", "Wholesale Price", "Each", "Rate", "Cost Each",
                   "Price per Unit", "WS Price", "Unit $"),
    "qty": ("Qty Ordered", "Quantity", "Units", "Order Qty", "Quantity Ordered", "Units Ordered", "Ordered", "Qty."),
    "line_no": ("Line #", "Line No", "Ln", "#", "Line Number"),
    "terms": ("Payment Terms", "Pay Terms", "Net Terms"),
    "deposit_pct": ("Deposit", "Deposit %", "Deposit Percent", "Deposit Required"),
    "status": ("Order Status", "Stage", "State"),
    "notes": ("Comments", "Remarks", "Note", "Memo"),
    "note": ("Comments", "Remarks", "Notes"),
    "invoice_number": ("Invoice #", "Invoice No", "Inv #", "Inv No", "Invoice", "Inv"),
    "ship_date": ("Ship By", "Requested Ship Date", "Ship Window", "Start Ship", "In Hands Date", "Deliver By",
                  "Requested Date", "Ship Date Requested"),
    "cancel_date": ("Cancel", "Cancel By", "Cancel After"),
}

COLUMN_NAMES: dict[tuple[str, str], tuple[str, ...]] = {
    ("Buyers", "buyer_id"): ("Customer ID", "Customer #", "Account #", "Account ID", "Account No", "Customer Code",
                             "Account Code", "ID", "Customer", "Account", "Store"),
    ("Buyers", "name"): ("Customer Name", "Store Name", "Business Name", "Company", "Company Name",
                         "Account Name", "Retailer", "Shop Name", "Legal Name", "Store", "Customer"),
    ("Buyers", "email"): ("Email Address", "E-mail", "Contact Email", "AP Email", "Billing Email", "Buyer Email"),
    ("Buyers", "bill_to"): ("Billing Address", "Bill To Address", "Address"),
    ("Buyers", "ship_to"): ("Shipping Address", "Ship To Address", "Delivery Address"),
    ("Buyers", "aliases"): ("AKA", "Also Known As", "Payer Names", "Bank Names", "Paid As"),
    ("Buyers", "tax_exempt"): ("Resale", "Exempt", "Reseller", "Resale?", "Tax Exempt?"),
    ("Buyers", "resale_certificate"): ("Resale Cert", "Resale Cert #", "Resale Certificate #", "Seller's Permit",
                                       "Resale #", "Tax ID"),
    ("Products", "moq"): ("Min Order", "Minimum", "Minimum Order", "Min Qty", "Minimum Qty"),
    ("Products", "case_pack"): ("Pack", "Case Qty", "Case Size", "Inner Pack", "Units per Case", "Pack Size"),
    ("Products", "stock"): ("On Hand", "Qty On Hand", "Inventory", "Stock", "Available", "In Stock"),
    ("Orders", "buyer_id"): ("Customer", "Customer ID", "Account", "Account #", "Store", "Retailer", "Client",
                             "Buyer", "Shop", "Customer Name", "Store Name", "Account Name"),
    ("Orders", "po_date"): ("Order Date", "Date", "Date Ordered", "Ordered On", "Date Received", "Order Received"),
    ("Orders", "our_ref"): ("SO #", "Sales Order", "Confirmation #", "SO Number", "Our Reference"),
    ("Shipments", "shipment_id"): ("Shipment #", "Packing Slip", "PS #", "Shipment No"),
    ("Shipments", "qty_shipped"): ("Shipped", "Units Shipped", "Qty Sent"),
    ("Shipments", "ship_date"): ("Shipped On", "Date Shipped", "Ship Date", "Shipped Date"),
    ("Shipments", "carrier"): ("Shipper", "Via", "Ship Via"),
    ("Shipments", "tracking"): ("Tracking #", "Tracking Number", "Tracking No"),
    ("Invoices", "invoice_date"): ("Date Invoiced", "Invoiced", "Inv Date", "Billed On", "Invoiced On"),
    ("Invoices", "due_date"): ("Due", "Payment Due", "Due On"),
    ("Invoices", "total"): ("Amount", "Invoice Total", "Invoice Amount", "Amount Due", "Total Due", "Order Total"),
    ("Invoices", "amount_paid"): ("Paid", "Paid Amount", "Payment", "Payment Amount", "Received"),
    ("Invoices", "balance"): ("Balance Due", "Outstanding", "Open Balance", "Remaining", "Amount Open"),
    ("Invoices", "status"): ("Paid?", "Payment Status"),
    ("Payments", "transaction_id"): ("Ref", "Reference", "Txn", "Check #", "Payment ID", "Transaction #"),
    ("Payments", "date"): ("Paid Date", "Date Paid", "Payment Date", "Received On", "Date Received"),
    ("Payments", "amount"): ("Payment Amount", "Paid", "Received", "Amount Received"),
    ("Payments", "payer"): ("From", "Paid By", "Customer", "Payer Name"),
    ("Payments", "memo"): ("Description", "Note", "Details", "Remittance"),
    ("Payments", "source"): ("Method", "Payment Method"),
    ("Quotes", "quote_number"): ("Quote #", "Quote No", "Estimate #", "Quote"),
    ("Quotes", "quote_date"): ("Date", "Quoted On", "Quote Date"),
    ("Quotes", "valid_until"): ("Expires", "Valid To", "Expiry"),
}


def column_names(tab: str, key: str) -> tuple[str, ...]:
    """The usual names of a tab's column (beyond the schema's own header and field name)."""
    return COLUMN_NAMES.get((tab, key), ()) + _COMMON.get(key, ())


def tab_names(tab: str) -> tuple[str, ...]:
    """The usual names of a tab."""
    return TAB_NAMES.get(tab, ())


def known_norms(tab: str, keys: tuple[tuple[str, str], ...]) -> frozenset[str]:
    """Every normalised name that may head one of `keys` ((key, header) pairs) of a tab."""
    out = set()
    for key, header in keys:
        out |= {norm(header), norm(key)} | {norm(n) for n in column_names(tab, key)}
    return frozenset(out - {""})


__all__ = ["COLUMN_NAMES", "TAB_NAMES", "column_names", "known_norms", "tab_names"]

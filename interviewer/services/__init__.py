"""The rules of the product. No Flask request objects and no templates in here."""

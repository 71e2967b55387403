"""Building a filing packet's PDF: its drawn pages (`pages`) and their assembly (`assembly`)."""

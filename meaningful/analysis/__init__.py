"""Pure analysis: statistics, change and text checks; never imports Django."""

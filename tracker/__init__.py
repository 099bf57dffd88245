"""tracker: a terminal music tracker."""

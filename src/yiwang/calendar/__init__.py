"""Working-day calendar: the State Council's holiday arrangement, make-up working days, deadline arithmetic."""

"""Policies for enterprises and people (惠企政策): the policy library, eligibility rule sets, matching and pushing,
免申即享 grants and policy fulfilment through the catalog's items.

It sits above the modules that react to cases: it reads e-licenses, shared data and rule sets to decide eligibility.
"""

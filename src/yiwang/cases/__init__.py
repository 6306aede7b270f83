"""Cases (办件): from application through acceptance and back-office review to the result, on legal time limits."""

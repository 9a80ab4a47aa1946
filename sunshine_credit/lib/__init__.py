"""What every app shares (STYLE §1): masking, money, …"""

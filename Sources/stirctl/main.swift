print("stirctl")

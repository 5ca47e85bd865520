"""Documents: uploads, sealing at rest, form templates, generated forms, staff access.

Owns the paperwork around a booking. Uses `conversations` (an upload is said in the chat),
`catalog` and `staff`; never imports `booking`, `scheduling` or `notifications`.
"""

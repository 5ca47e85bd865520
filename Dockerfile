# Production image: one stateless app process; PostgreSQL holds all state.
FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 FRONTDESK_DATA_DIR=/data
COPY pyproject.toml README.md ./
COPY agent agent
COPY api api
COPY channels channels
COPY domain domain
COPY evals evals
COPY frontdesk frontdesk
COPY knowledge knowledge
COPY prompts prompts
COPY tools tools
# torch first, alone: pass TORCH_INDEX (a CPU wheel index) to keep CUDA builds out of the image.
ARG TORCH_INDEX=""
RUN pip install --no-cache-dir torch==2.13.0 ${TORCH_INDEX:+--index-url "$TORCH_INDEX"}
RUN pip install --no-cache-dir .
VOLUME ["/data"]
EXPOSE 8000
CMD ["frontdesk", "serve", "--host", "0.0.0.0", "--port", "8000"]
